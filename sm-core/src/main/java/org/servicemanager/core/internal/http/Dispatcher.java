package org.servicemanager.core.internal.http;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.PayloadTooLargeException;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.ServiceManagerMetrics;
import org.servicemanager.core.internal.notify.Correlation;
import org.servicemanager.core.internal.security.Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request pipeline, the same for every route: correlation id, body limit, routing,
 * {@link AccessPolicy access}, the route's handler, and every failure mapped to an answer by
 * {@link ErrorMapper}, and the {@link AuditLog audit line} of a mutating call or failed login once
 * the answer is known. Handlers see only requests that passed all of it. {@code HEAD} is served here,
 * once for every adapter and direct caller: the handler sees a {@code GET} (so a HEAD on the OSB face
 * reaches the broker as GET), and the answer loses its body but keeps its headers and gets the
 * Content-Length the GET body would have had. Thread-safe once the router is complete.
 */
public final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    private static final String CORRELATION_HEADER = "X-Correlation-ID";
    /** A caller's id is echoed and logged, so only a short, harmless one is taken over. */
    private static final Pattern CORRELATION_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");

    private final Router router;
    private final AccessPolicy access;
    private final long maxRequestBodyBytes;
    private final ServiceManagerMetrics metrics;
    /** False for {@link ServiceManagerMetrics#NONE}, so that without metrics no clock is read. */
    private final boolean timed;

    public Dispatcher(Router router, AccessPolicy access, long maxRequestBodyBytes, ServiceManagerMetrics metrics) {
        this.router = router;
        this.access = access;
        this.maxRequestBodyBytes = maxRequestBodyBytes;
        this.metrics = metrics;
        this.timed = metrics != ServiceManagerMetrics.NONE;
    }

    /**
     * Serves a request. The future never completes exceptionally: every failure, thrown or
     * completed, becomes an error answer, and every answer carries the correlation id.
     */
    public CompletableFuture<SmResponse> dispatch(SmRequest request) {
        long start = timed ? System.nanoTime() : 0;
        String correlationId = request.header(CORRELATION_HEADER)
                .filter(id -> CORRELATION_ID.matcher(id).matches())
                .orElseGet(() -> UUID.randomUUID().toString());
        String line = request.method() + " " + request.path() + " [" + correlationId + "]";
        boolean head = request.method().equals("HEAD");
        CompletableFuture<SmResponse> result;
        Routed routed = new Routed();
        try {
            result = route(request, correlationId, routed);
        } catch (Throwable t) {
            result = CompletableFuture.completedFuture(ErrorMapper.toResponse(t, line));
        }
        return result.handle((response, failure) -> {
            SmResponse answer = failure == null ? response : ErrorMapper.toResponse(failure, line);
            LOG.debug("{} -> {}", line, answer.status());
            AuditLog.record(request, routed.principal, routed.call, answer.status(), correlationId);
            if (timed) {
                record(request.method(), routed.route, answer.status(), System.nanoTime() - start);
            }
            answer = answer.withHeader(CORRELATION_HEADER, correlationId);
            return head ? withoutBody(answer) : answer;
        });
    }

    /**
     * What routing learnt about a call, for the audit line: written by the thread that routes,
     * read when the answer is complete (the future's completion orders the two).
     */
    private static final class Routed {
        Principal principal;
        Call call;
        /** The matched route's pattern; {@code null} when none matched. */
        String route;
    }

    /** A listener that throws must not turn an answer into a failure: metrics are best effort. */
    private void record(String method, String route, int status, long nanos) {
        try {
            metrics.requestCompleted(method, route != null ? route : ServiceManagerMetrics.UNMATCHED_ROUTE, status,
                    nanos);
        } catch (RuntimeException e) {
            LOG.warn("the metrics listener failed on a request: {}", e.toString());
        }
    }

    private CompletableFuture<SmResponse> route(SmRequest request, String correlationId, Routed routed) {
        checkBodyLimit(request);
        Router.Match match = router.match(request.method(), request.path());
        if (match instanceof Router.MethodNotAllowed notAllowed) {
            return CompletableFuture.completedFuture(methodNotAllowed(request, notAllowed));
        }
        if (!(match instanceof Router.Found found)) {
            throw new NotFoundException("there is no resource at " + request.path());
        }
        routed.route = found.route().pattern();
        SmRequest served = request.method().equals("HEAD") ? asGet(request) : request;
        // Known before a 403, so that the audit line of a forbidden call names caller and resource.
        Principal principal = access.authorize(found.route().access(), served, known -> {
            routed.principal = known;
            routed.call = new Call(served, known, found.route().pattern(), found.params(), correlationId);
        });
        Call call = new Call(served, principal, found.route().pattern(), found.params(), correlationId);
        routed.principal = principal;
        routed.call = call;
        // The notifications of what the handler writes carry the request's correlation id.
        return Correlation.with(correlationId, () -> found.route().handler().handle(call));
    }

    /** The same request as GET: handlers (and brokers behind the OSB face) never see HEAD. */
    private static SmRequest asGet(SmRequest request) {
        SmRequest.Builder get = SmRequest.builder("GET", request.path())
                .query(request.rawQuery())
                .basePath(request.basePath())
                .body(request.body());
        request.headers().forEach((name, values) -> values.forEach(value -> get.header(name, value)));
        request.remoteAddress().ifPresent(get::remoteAddress);
        return get.build();
    }

    /**
     * The answer to a HEAD: every header of the GET answer, Content-Length that of its body (RFC 9110
     * 9.3.2 and 8.6), and no body. Statuses that never carry a body get no Content-Length.
     */
    private static SmResponse withoutBody(SmResponse answer) {
        SmResponse.Builder head = SmResponse.builder(answer.status());
        answer.headers().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("Content-Length")) {
                values.forEach(value -> head.header(name, value));
            }
        });
        int status = answer.status();
        if (status >= 200 && status != 204 && status != 304) {
            head.header("Content-Length", Integer.toString(answer.body().length));
        }
        return head.build();
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
