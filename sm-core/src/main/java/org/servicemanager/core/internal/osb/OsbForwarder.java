package org.servicemanager.core.internal.osb;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.BrokerException;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.broker.BrokerClient;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.security.BrokerSecrets;

/**
 * Sends a platform's OSB call on to the broker exactly as OSB.md says: the broker's credentials
 * (never the platform's {@code Authorization}), the platform's OSB headers, a request identity and
 * the correlation id; the path and query as checked ({@link OsbTarget}), and the body unchanged.
 * The broker's status, body and the headers that matter come back unchanged.
 */
final class OsbForwarder {
    private static final List<String> PASSED_BACK = List.of("Retry-After", "Location");

    private final BrokerClient client;
    private final BrokerSecrets secrets;

    OsbForwarder(BrokerClient client, BrokerSecrets secrets) {
        this.client = client;
        this.secrets = secrets;
    }

    /** The broker's answer to the platform's request. */
    record Answer(int status, JsonNode json, byte[] body, Map<String, List<String>> headers) {
        /** A text field of the answer's JSON object, or {@code null}; made storable, since it is recorded. */
        String text(String field) {
            return org.servicemanager.core.internal.json.Text.brokerField(json, field);
        }
    }

    /**
     * Forwards the call. Every failure, including a request that cannot be built, completes the
     * future exceptionally, so callers clean up on one path.
     */
    CompletableFuture<Answer> forward(OsbChecks.OsbCall osb) {
        return forward(osb, null);
    }

    /**
     * Forwards the call with {@code body} instead of the platform's ({@code null}: the platform's):
     * a reference instance's bind names the shared instance's plan, not the reference plan.
     */
    CompletableFuture<Answer> forward(OsbChecks.OsbCall osb, byte[] body) {
        try {
            return send(osb.call(), osb.broker(), osb.target(), body);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Answer> send(Call call, ServiceBroker broker, OsbTarget checked, byte[] bodyToSend) {
        SmRequest request = call.request();
        Map<String, String> headers = new HashMap<>();
        headers.put("X-Broker-API-Version", request.header("X-Broker-API-Version").orElseThrow());
        // OsbChecks has checked it is a valid header value.
        request.header("X-Broker-API-Originating-Identity")
                .ifPresent(v -> headers.put("X-Broker-API-Originating-Identity", v));
        headers.put("X-Broker-API-Request-Identity", request.header("X-Broker-API-Request-Identity")
                .filter(v -> v.length() <= 256 && v.chars().allMatch(c -> c > 0x20 && c < 0x7f))
                .orElseGet(() -> UUID.randomUUID().toString()));
        headers.put("X-Correlation-ID", call.correlationId());
        URI uri;
        try {
            uri = BrokerClient.endpoint(broker.brokerUrl(), checked.path(), checked.query());
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("the request path or query cannot be forwarded: " + e.getMessage());
        }
        byte[] body = !request.method().equals("PUT") && !request.method().equals("PATCH") ? null
                : bodyToSend != null ? bodyToSend : request.body();
        String target = request.method() + " " + checked.path();
        return client.send(broker.name(), secrets.open(broker.credentials()),
                new BrokerClient.BrokerRequest(request.method(), uri, headers, body))
                .thenApply(response -> {
                    byte[] raw = response.body();
                    JsonNode json = raw.length == 0 ? Json.object() : Json.tryParse(raw);
                    if (json == null) {
                        throw new BrokerException("service broker '" + broker.name() + "' answered " + target
                                + " with HTTP " + response.status() + " and a body that is not JSON");
                    }
                    return new Answer(response.status(), json, raw.length == 0 ? Json.bytes(json) : raw,
                            response.headers());
                });
    }

    /** The answer for the platform: the broker's status and body, and the headers that matter. */
    static SmResponse toPlatform(Answer answer) {
        SmResponse.Builder response = SmResponse.builder(answer.status())
                .header("Content-Type", Responses.JSON)
                .body(answer.body());
        answer.headers().forEach((name, values) -> {
            for (String passed : PASSED_BACK) {
                if (passed.equalsIgnoreCase(name) && !values.isEmpty()) {
                    response.header(passed, values.get(0));
                }
            }
        });
        return response.build();
    }
}
