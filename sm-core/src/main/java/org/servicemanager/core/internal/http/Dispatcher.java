package org.servicemanager.core.internal.http;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.PayloadTooLargeException;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.security.Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request pipeline, the same for every route: correlation id, body limit, routing,
 * {@link AccessPolicy access}, the route's handler, and every failure mapped to an answer by
 * {@link ErrorMapper}. Handlers see only requests that passed all of it. Thread-safe once the
 * router is complete.
 */
public final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    private static final String CORRELATION_HEADER = "X-Correlation-ID";
    /** A caller's id is echoed and logged, so only a short, harmless one is taken over. */
    private static final Pattern CORRELATION_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");

    private final Router router;
    private final AccessPolicy access;
    private final long maxRequestBodyBytes;

    public Dispatcher(Router router, AccessPolicy access, long maxRequestBodyBytes) {
        this.router = router;
        this.access = access;
        this.maxRequestBodyBytes = maxRequestBodyBytes;
    }

    /**
     * Serves a request. The future never completes exceptionally: every failure, thrown or
     * completed, becomes an error answer, and every answer carries the correlation id.
     */
    public CompletableFuture<SmResponse> dispatch(SmRequest request) {
        String correlationId = request.header(CORRELATION_HEADER)
                .filter(id -> CORRELATION_ID.matcher(id).matches())
                .orElseGet(() -> UUID.randomUUID().toString());
        String line = request.method() + " " + request.path() + " [" + correlationId + "]";
        CompletableFuture<SmResponse> result;
        try {
            result = route(request, correlationId);
        } catch (Throwable t) {
            result = CompletableFuture.completedFuture(ErrorMapper.toResponse(t, line));
        }
        return result.handle((response, failure) -> {
            SmResponse answer = failure == null ? response : ErrorMapper.toResponse(failure, line);
            LOG.debug("{} -> {}", line, answer.status());
            return answer.withHeader(CORRELATION_HEADER, correlationId);
        });
    }

    private CompletableFuture<SmResponse> route(SmRequest request, String correlationId) {
        checkBodyLimit(request);
        Router.Match match = router.match(request.method(), request.path());
        if (match instanceof Router.MethodNotAllowed notAllowed) {
            return CompletableFuture.completedFuture(methodNotAllowed(request, notAllowed));
        }
        if (!(match instanceof Router.Found found)) {
            throw new NotFoundException("there is no resource at " + request.path());
        }
        Principal principal = access.authorize(found.route().access(), request);
        return found.route().handler().handle(new Call(request, principal, found.route().pattern(), found.params(),
                correlationId));
    }

    private void checkBodyLimit(SmRequest request) {
        if (request.body().length > maxRequestBodyBytes || declaredLength(request) > maxRequestBodyBytes) {
            throw new PayloadTooLargeException("the request body exceeds the limit of " + maxRequestBodyBytes
                    + " bytes");
        }
    }

    private static SmResponse methodNotAllowed(SmRequest request, Router.MethodNotAllowed notAllowed) {
        String allowed = String.join(", ", notAllowed.allowed());
        return Responses.error(405, "MethodNotAllowed",
                request.method() + " is not allowed on " + request.path() + "; allowed: " + allowed)
                .withHeader("Allow", allowed);
    }

    private static long declaredLength(SmRequest request) {
        try {
            return request.header("Content-Length").map(Long::parseLong).orElse(0L);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
