package org.servicemanager.core.internal.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.BrokerException;
import org.servicemanager.api.BrokerTimeoutException;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationError;
import org.servicemanager.api.model.Platform;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.http.Handler;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.security.Principal;

/**
 * The {@code async} query parameter and the answers it selects (PLATFORM.md, "Modes and
 * answers"), and who a call is on behalf of toward the broker. Stateless; thread-safe.
 */
final class Modes {
    private Modes() {
    }

    /** {@code ?async}: absent means synchronous; anything but true or false is a 400. */
    static boolean async(Call call) {
        return flag(call, "async");
    }

    /** A strict boolean query flag: absent is false, only {@code true} and {@code false} are accepted. */
    static boolean flag(Call call, String name) {
        List<String> values = call.request().queryParameters().get(name);
        if (values != null && values.size() > 1) {
            // Which one wins would be a guess, and async=true&async=false guessed wrong is a broker call
            // the client did not mean to wait for (or the other way round).
            throw new BadRequestException("query parameter '" + name + "' is given " + values.size()
                    + " times; give it once");
        }
        Optional<String> value = call.query(name);
        if (value.isEmpty()) {
            return false;
        }
        return switch (value.get().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new BadRequestException(
                    "query parameter '" + name + "' must be true or false, was '" + value.get() + "'");
        };
    }

    /**
     * Wraps a handler of platforms, visibilities or brokers, which always work synchronously:
     * {@code async=true} is refused rather than silently ignored, {@code async=false} is accepted
     * (smctl sends it when registering a broker).
     */
    static Handler synchronousOnly(String what, Handler handler) {
        return call -> {
            if (async(call)) {
                throw new BadRequestException(what + " are always changed synchronously; leave out async or pass "
                        + "async=false");
            }
            return handler.handle(call);
        };
    }

    /**
     * The caller toward the broker: the call's correlation id, and as originating identity the
     * platform {@code service-manager} with the administrator's user name, as OSB's
     * {@code X-Broker-API-Originating-Identity} defines it ({@code <platform> <base64 of a JSON object>}).
     */
    static PlatformOperations.Caller caller(Call call) {
        String username = call.principal() instanceof Principal.Operator operator ? operator.name() : null;
        String identity = null;
        if (username != null) {
            byte[] json = Json.bytes(Json.object().put("username", username));
            identity = Platform.SERVICE_MANAGER_ID + " " + Base64.getEncoder().encodeToString(json);
        }
        return new PlatformOperations.Caller(call.correlationId(), identity);
    }

    /** Where the state of {@code operation} on the resource at {@code resourcePath} can be read. */
    static String location(Call call, String resourcePath, Operation operation) {
        return call.request().basePath() + resourcePath + "/operations/" + operation.id();
    }

    /** 202, the Location of the operation, {@code {}}. */
    static SmResponse accepted(String location) {
        return SmResponse.builder(202).header("Content-Type", Responses.JSON).header("Location", location)
                .body("{}".getBytes(StandardCharsets.UTF_8)).build();
    }

    /**
     * The answer to a started operation: at once 202 when asked to be asynchronous; otherwise once
     * its synchronous part is over, {@code onSuccess} when it succeeded, 202 when it goes on in the
     * background, the failure (mapped by the error mapper) when it failed. {@code async} was read before the
     * operation started, so that a bad value costs nothing.
     */
    static CompletableFuture<SmResponse> answer(Call call, boolean async, PlatformOperations.Started started,
            String resourcePath, Function<Operation, SmResponse> onSuccess) {
        String location = location(call, resourcePath, started.operation());
        if (async) {
            return CompletableFuture.completedFuture(accepted(location));
        }
        return started.settled().thenApply(operation -> switch (operation.state()) {
            case SUCCEEDED -> onSuccess.apply(operation);
            case IN_PROGRESS -> accepted(location);
            case FAILED -> throw failure(operation);
        });
    }

    /**
     * A failed operation as an exception, for an engine that reports a failure as a settled
     * operation rather than exceptionally: the first error decides.
     */
    static RuntimeException failure(Operation operation) {
        OperationError error = operation.errors().isEmpty() ? null : operation.errors().get(0);
        String description = error != null && error.description() != null ? error.description()
                : operation.description() != null ? operation.description() : "the operation failed";
        if (error != null && "BrokerTimeout".equals(error.error())) {
            return new BrokerTimeoutException(description);
        }
        return new BrokerException(description);
    }
}
