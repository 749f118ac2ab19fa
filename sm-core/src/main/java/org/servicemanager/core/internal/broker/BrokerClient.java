package org.servicemanager.core.internal.broker;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.servicemanager.api.BrokerException;
import org.servicemanager.api.BrokerTimeoutException;
import org.servicemanager.api.BrokerUnreachableException;
import org.servicemanager.core.ServiceManagerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.servicemanager.api.model.BrokerCredentials;

/**
 * Sends OSB requests to service brokers with the broker's own credentials. One shared
 * {@link HttpClient} serves all brokers without a client certificate; each distinct certificate
 * gets its own client (a TLS identity is fixed per {@link SSLContext}). Thread-safe.
 */
public final class BrokerClient {
    /** The OSB version the Service Manager speaks to brokers. */
    public static final String OSB_VERSION = "2.17";
    private static final Logger LOG = LoggerFactory.getLogger(BrokerClient.class);

    private final ServiceManagerMetrics metrics;
    /** False for {@link ServiceManagerMetrics#NONE}, so that without metrics no clock is read. */
    private final boolean timed;

    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final int maxResponseBytes;
    private final TrustManager[] trustManagers;
    /** Brokers on plain {@code http}: the client's work runs inline, see {@link #newClient}. */
    private final HttpClient plain;
    /** Brokers on {@code https} without a client certificate. */
    private final HttpClient shared;
    /**
     * One client per TLS identity. A client lives while it is used: one that no call needed for
     * half an hour goes (with it the identity of a broker deleted meanwhile), and one that never
     * reached its broker goes at the first failure, so that registrations which fail (wrong
     * certificate, wrong URL) do not pile up clients and their selector threads.
     */
    private final Cache<String, TlsClient> tlsClients = Caffeine.newBuilder()
            .maximumSize(1_000)
            .expireAfterAccess(Duration.ofMinutes(30))
            .executor(Runnable::run)
            .removalListener((String key, TlsClient client, com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
                if (client != null) {
                    closeQuietly(client.http());
                }
            })
            .build();
    /**
     * Fires the read timeouts. Owned by this client, not static: a Service Manager that is closed
     * (a web application undeployed) must leave no thread behind, or its class loader stays.
     */
    private final java.util.concurrent.ScheduledThreadPoolExecutor timer;
    /**
     * Where answers, failures and timeouts complete, and so where the caller's continuation runs
     * (records in a store that may block, the write to the platform). Never the clients' selector
     * thread, never the JDK's shared delay thread.
     */
    private final java.util.concurrent.ExecutorService callbacks;
    private volatile boolean closed;

    /** A TLS identity's client, and whether a call through it ever got an HTTP answer. */
    private record TlsClient(HttpClient http, java.util.concurrent.atomic.AtomicBoolean answered) {
    }

    private static final java.util.concurrent.atomic.AtomicInteger INSTANCES =
            new java.util.concurrent.atomic.AtomicInteger();

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    public BrokerClient(Duration connectTimeout, Duration readTimeout, int maxResponseBytes,
            TrustManager[] trustManagers) {
        this(connectTimeout, readTimeout, maxResponseBytes, trustManagers, ServiceManagerMetrics.NONE);
    }

    public BrokerClient(Duration connectTimeout, Duration readTimeout, int maxResponseBytes,
            TrustManager[] trustManagers, ServiceManagerMetrics metrics) {
        this.metrics = metrics;
        this.timed = metrics != ServiceManagerMetrics.NONE;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.maxResponseBytes = maxResponseBytes;
        this.trustManagers = trustManagers;
        int instance = INSTANCES.incrementAndGet();
        this.timer = new java.util.concurrent.ScheduledThreadPoolExecutor(1,
                daemon("sm-broker-timeouts-" + instance));
        // Cancelled timeouts (the usual case: the broker answered) leave the queue at once.
        timer.setRemoveOnCancelPolicy(true);
        this.callbacks = new java.util.concurrent.ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
                new java.util.concurrent.SynchronousQueue<>(), daemon("sm-broker-callback-" + instance));
        this.plain = newClient(null, true);
        this.shared = newClient(trustManagers == null ? null : PemKeys.trustOnly(trustManagers), false);
    }

    /** How long a call may take to be answered in full; no call runs longer. */
    public Duration readTimeout() {
        return readTimeout;
    }

    /**
     * The URI of an OSB endpoint of a broker: its URL (any path prefix kept, trailing slashes not
     * doubled), the raw path and the raw query ({@code null} for none).
     */
    public static URI endpoint(String brokerUrl, String rawPath, String rawQuery) {
        String base = brokerUrl;
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + rawPath + (rawQuery == null || rawQuery.isEmpty() ? "" : "?" + rawQuery));
    }

    /** {@code ": <description>"} from a broker's OSB error body, or {@code ""} when it has none. */
    public static String describeError(byte[] body) {
        com.fasterxml.jackson.databind.JsonNode json = org.servicemanager.core.internal.json.Json.tryParse(body);
        if (json != null && json.isObject()) {
            for (String field : new String[] {"description", "error"}) {
                com.fasterxml.jackson.databind.JsonNode value = json.get(field);
                if (value != null && value.isTextual()) {
                    return ": " + value.asText();
                }
            }
        }
        return "";
    }

    private HttpClient newClient(SSLContext ssl, boolean inline) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1);
        if (inline) {
            // Over plain HTTP the client's own work is short and non-blocking, so it runs where it is
            // triggered: sending on the caller's thread, reading on the selector thread. The default
            // executor would add a thread hand-off to every step of every exchange, which on a busy
            // machine costs more than the work. TLS clients keep it: handshakes (certificate checks,
            // key agreement) must not hold up every other broker's I/O. Callers never run on the
            // selector either way: answers complete on the callback threads.
            builder.executor(Runnable::run);
        }
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        return builder.build();
    }

    /** A broker's answer: status, headers and the whole body. */
    public record BrokerResponse(int status, Map<String, List<String>> headers, byte[] body) {
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** What to send: method, URL, extra headers and an optional JSON body. */
    public record BrokerRequest(String method, URI uri, Map<String, String> headers, byte[] body) {
    }

    /**
     * Sends a request and completes with the answer, whatever its status. Fails with
     * {@link BrokerUnreachableException}, {@link BrokerTimeoutException} or {@link BrokerException}
     * (answer too large) naming {@code brokerName}.
     */
    public CompletableFuture<BrokerResponse> send(String brokerName, BrokerCredentials credentials,
            BrokerRequest request) {
        if (!timed) {
            return sendUntimed(brokerName, credentials, request);
        }
        long start = System.nanoTime();
        // A future of its own, completed after recording: the caller's next step (and the answer it
        // makes) comes after the record, and the caller sees the failure itself, not wrapped.
        CompletableFuture<BrokerResponse> timed = new CompletableFuture<>();
        sendUntimed(brokerName, credentials, request).whenComplete((response, failure) -> {
            try {
                metrics.brokerCall(brokerName, operation(request.method(), request.uri().getRawPath()),
                        outcome(response, failure), System.nanoTime() - start);
            } catch (RuntimeException e) {
                LOG.warn("the metrics listener failed on a broker call: {}", e.toString());
            }
            if (failure != null) {
                timed.completeExceptionally(failure);
            } else {
                timed.complete(response);
            }
        });
        return timed;
    }

    /**
     * The OSB operation of a call, for metrics: a small fixed set of names, from the path after the
     * broker URL's last {@code /v2/} (the URL may have a path prefix of its own).
     */
    static String operation(String method, String rawPath) {
        int v2 = rawPath.lastIndexOf("/v2/");
        String[] parts = (v2 < 0 ? rawPath : rawPath.substring(v2 + 4)).split("/", -1);
        if (parts.length == 1 && parts[0].equals("catalog")) {
            return "catalog";
        }
        if (parts.length >= 2 && parts[0].equals("service_instances")) {
            if (parts.length == 2) {
                return switch (method) {
                    case "PUT" -> "provision";
                    case "PATCH" -> "update";
                    case "DELETE" -> "deprovision";
                    case "GET" -> "fetch_instance";
                    default -> "other";
                };
            }
            if (parts.length == 3 && parts[2].equals("last_operation")) {
                return "instance_last_operation";
            }
            if (parts.length >= 4 && parts[2].equals("service_bindings")) {
                if (parts.length == 4) {
                    return switch (method) {
                        case "PUT" -> "bind";
                        case "DELETE" -> "unbind";
                        case "GET" -> "fetch_binding";
                        default -> "other";
                    };
                }
                if (parts.length == 5 && parts[4].equals("last_operation")) {
                    return "binding_last_operation";
                }
            }
        }
        return "other";
    }

    static String outcome(BrokerResponse response, Throwable failure) {
        if (failure == null) {
            int status = response.status();
            return status >= 200 && status < 300 ? "success" : status >= 400 && status < 500 ? "client_error"
                    : "server_error";
        }
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof BrokerTimeoutException) {
            return "timeout";
        }
        if (cause instanceof BrokerUnreachableException) {
            return "unreachable";
        }
        return "error";
    }

    private CompletableFuture<BrokerResponse> sendUntimed(String brokerName, BrokerCredentials credentials,
            BrokerRequest request) {
        // Error messages name the OSB path, not the broker's host: platforms read them too.
        String target = request.method() + " " + request.uri().getRawPath();
        if (closed) {
            return CompletableFuture.failedFuture(closedFailure(brokerName, target));
        }
        CompletableFuture<BrokerResponse> result = new CompletableFuture<>();
        CompletableFuture<HttpResponse<byte[]>> exchange;
        try {
            // The answer completes as soon as the body subscriber has the last byte. The future that
            // sendAsync returns completes later, by a detour through the JDK's common pool (with
            // fewer than three cores and default settings, a new thread per call); it only carries
            // the failures.
            TlsClient tls = credentials.hasTls() ? tlsClientFor(credentials) : null;
            HttpClient http = tls != null ? tls.http()
                    : "http".equalsIgnoreCase(request.uri().getScheme()) ? plain : shared;
            java.util.concurrent.atomic.AtomicBoolean answered = tls == null ? null : tls.answered();
            exchange = http.sendAsync(build(credentials, request),
                    info -> new LimitedBody(this, answered, maxResponseBytes, info, brokerName, target, result));
        } catch (IllegalArgumentException e) {
            // A header value or URI the JDK client refuses: fail like any other failed call, so that
            // callers run their clean-up on one path.
            return CompletableFuture.failedFuture(new BrokerException("service broker '" + brokerName
                    + "' cannot be called with this request (" + target + "): " + e.getMessage()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        exchange.whenComplete((response, failure) -> {
            if (failure != null) {
                forgetIfNeverAnswered(credentials);
                complete(() -> result.completeExceptionally(translate(brokerName, target, failure)));
            }
        });
        // The whole answer must arrive within the read timeout (connecting is bounded by the
        // client's connect timeout). One timer per call instead of HttpRequest.timeout, which would
        // wake the client's selector thread for every request. The timeout aborts the exchange, so
        // a trickling broker does not keep a connection busy.
        java.util.concurrent.ScheduledFuture<?> timeout;
        try {
            timeout = timer.schedule(() -> complete(() -> {
                if (result.completeExceptionally(translate(brokerName, target, new TimeoutException()))) {
                    exchange.cancel(true);
                }
            }), readTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            exchange.cancel(true);
            return CompletableFuture.failedFuture(closedFailure(brokerName, target));
        }
        result.whenComplete((response, failure) -> timeout.cancel(false));
        return result;
    }

    private HttpRequest build(BrokerCredentials credentials, BrokerRequest request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.uri())
                .header("X-Broker-API-Version", OSB_VERSION)
                .header("X-Broker-API-Request-Identity", UUID.randomUUID().toString());
        request.headers().forEach(builder::setHeader);
        if (credentials.hasBasic()) {
            String pair = credentials.basicUsername() + ":" + credentials.basicPassword();
            builder.setHeader("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        } else if (credentials.hasToken()) {
            builder.setHeader("Authorization", "Bearer " + credentials.token());
        }
        if (request.body() != null) {
            builder.setHeader("Content-Type", "application/json");
            builder.method(request.method(), HttpRequest.BodyPublishers.ofByteArray(request.body()));
        } else {
            builder.method(request.method(), HttpRequest.BodyPublishers.noBody());
        }
        return builder.build();
    }

    /** A timeout for a message: whole seconds where exact, else milliseconds, so 300 ms never reads "0 s". */
    private static String seconds(Duration timeout) {
        return timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms";
    }

    private RuntimeException translate(String brokerName, String target, Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        String who = "service broker '" + brokerName + "'";
        if (t instanceof HttpConnectTimeoutException) {
            return new BrokerUnreachableException(who + " could not be reached within "
                    + seconds(connectTimeout) + " (" + target + ")", false);
        }
        if (t instanceof HttpTimeoutException || t instanceof TimeoutException) {
            return new BrokerTimeoutException(who + " did not answer within " + seconds(readTimeout)
                    + " (" + target + ")");
        }
        if (t instanceof TooLarge) {
            return new BrokerException(who + " answered " + target + " with more than " + maxResponseBytes
                    + " bytes");
        }
        if (t instanceof ConnectException || t instanceof IOException) {
            String reason = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            // Only a refused connection proves the request never left; a reset may come after it arrived.
            return new BrokerUnreachableException(who + " could not be reached (" + target + "): " + reason,
                    !(t instanceof ConnectException));
        }
        return new BrokerException(who + " could not be called (" + target + "): " + t);
    }

    private TlsClient tlsClientFor(BrokerCredentials credentials) {
        return tlsClients.get(tlsKey(credentials), k -> new TlsClient(newClient(PemKeys.sslContext(
                credentials.tlsClientCertificate(), credentials.tlsClientKey(), trustManagers), false),
                new java.util.concurrent.atomic.AtomicBoolean()));
    }

    private static String tlsKey(BrokerCredentials credentials) {
        return fingerprint(credentials.tlsClientCertificate() + "\n" + credentials.tlsClientKey());
    }

    /**
     * Drops the client of a TLS identity that has never reached its broker, once a call through it
     * failed: most often a registration that is refused (wrong certificate, wrong URL) and never
     * retried. A client that worked before stays, its broker is only down for now.
     */
    private void forgetIfNeverAnswered(BrokerCredentials credentials) {
        if (!credentials.hasTls()) {
            return;
        }
        String key = tlsKey(credentials);
        TlsClient client = tlsClients.getIfPresent(key);
        if (client != null && !client.answered().get()) {
            tlsClients.asMap().remove(key, client);
        }
    }

    /** How many TLS identities have a client now (for tests). */
    int tlsClientCount() {
        tlsClients.cleanUp();
        return (int) tlsClients.estimatedSize();
    }

    /**
     * Completes a caller's future on {@link #callbacks}; after {@link #close()} on the calling
     * thread, since nobody is left to be held up.
     */
    private void complete(Runnable completion) {
        try {
            callbacks.execute(completion);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            completion.run();
        }
    }

    private static BrokerException closedFailure(String brokerName, String target) {
        return new BrokerException("service broker '" + brokerName + "' cannot be called (" + target
                + "): the Service Manager is closed");
    }

    /**
     * Stops the timer and callback threads and drops the HTTP clients; new calls fail at once.
     * Calls still in flight complete with their answer (on the thread that reads it) or their
     * timeout: the timer thread ends after the last pending timeout, at once when none is.
     * Idempotent.
     */
    public void close() {
        closed = true;
        timer.shutdown();
        callbacks.shutdown();
        tlsClients.invalidateAll();
        tlsClients.cleanUp();
        closeQuietly(plain);
        closeQuietly(shared);
    }

    /**
     * Shuts an HTTP client down where the runtime can: Java 21 added {@code HttpClient.shutdown()},
     * which lets calls in flight finish and ends its selector thread; on Java 17 that thread ends
     * once the client is no longer referenced. Never blocks (unlike Java 21's {@code close()}).
     */
    private static void closeQuietly(HttpClient client) {
        if (SHUTDOWN != null) {
            try {
                SHUTDOWN.invoke(client);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Best effort: the client is dropped either way.
            }
        }
    }

    /** {@code HttpClient.shutdown()} on Java 21 and later, else {@code null}. */
    private static final java.lang.reflect.Method SHUTDOWN = shutdownMethod();

    private static java.lang.reflect.Method shutdownMethod() {
        try {
            return HttpClient.class.getMethod("shutdown");
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static String fingerprint(String value) {
        try {
            return Base64.getEncoder().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signals a body over the limit. */
    private static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge() {
            super("response body too large");
        }
    }

    /**
     * Collects a body up to a limit (beyond it the exchange fails instead of filling the heap) and
     * completes the caller's answer with status, headers and body as soon as the last byte is in.
     */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final BrokerClient client;
        /** Set when the answer begins, for a TLS identity's client; {@code null} otherwise. */
        private final java.util.concurrent.atomic.AtomicBoolean answered;
        private final int limit;
        private final HttpResponse.ResponseInfo info;
        private final String brokerName;
        private final String target;
        private final CompletableFuture<BrokerResponse> answer;
        private final List<ByteBuffer> buffers = new ArrayList<>();
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private Flow.Subscription subscription;
        private int size;
        /** Set once the body is complete, failed or over the limit; later signals are ignored. */
        private boolean done;

        LimitedBody(BrokerClient client, java.util.concurrent.atomic.AtomicBoolean answered, int limit,
                HttpResponse.ResponseInfo info, String brokerName, String target,
                CompletableFuture<BrokerResponse> answer) {
            this.client = client;
            this.answered = answered;
            this.limit = limit;
            this.info = info;
            this.brokerName = brokerName;
            this.target = target;
            this.answer = answer;
        }

        @Override
        public CompletableFuture<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (answered != null) {
                answered.set(true);
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (done) {
                return;
            }
            for (ByteBuffer item : items) {
                size += item.remaining();
                if (size > limit) {
                    done = true;
                    subscription.cancel();
                    result.completeExceptionally(new TooLarge());
                    return;
                }
                buffers.add(item);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            done = true;
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            if (done) {
                return;
            }
            done = true;
            // Joining a large body is work: not on the selector thread, which reads for every broker.
            client.complete(() -> {
                byte[] all = new byte[size];
                int offset = 0;
                for (ByteBuffer buffer : buffers) {
                    int n = buffer.remaining();
                    buffer.get(all, offset, n);
                    offset += n;
                }
                result.complete(all);
                int status = info.statusCode();
                if (status < 100 || status > 599) {
                    answer.completeExceptionally(new BrokerException("service broker '" + brokerName
                            + "' answered " + target + " with the invalid HTTP status " + status));
                } else {
                    answer.complete(new BrokerResponse(status, info.headers().map(), all));
                }
            });
        }
    }
}
