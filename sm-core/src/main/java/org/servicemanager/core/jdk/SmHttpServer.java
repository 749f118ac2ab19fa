package org.servicemanager.core.jdk;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link ServiceManager} over HTTP with the JDK's built-in server:
 *
 * <pre>{@code
 * SmHttpServer server = SmHttpServer.start(sm, new InetSocketAddress("127.0.0.1", 8080));
 * System.out.println(server.baseUrl());
 * }</pre>
 *
 * Requests run on a pool of threads, so a slow request (one waiting for a broker) does not hold up
 * the others. The JDK server reads request bodies on those threads, blocking, so a client that
 * sends its body slowly holds one; each body must therefore arrive within a deadline (default
 * {@value #DEFAULT_BODY_TIMEOUT_SECONDS} s), or the connection is closed. A body declared larger
 * than {@link ServiceManager#maxRequestBodyBytes()} is answered 413 at once, unread. {@code HEAD}
 * is answered by the core, as {@code GET} without the body.
 *
 * <p>The few errors the JDK server answers itself, before any handler runs (a malformed request
 * line, a request target that is not a path such as {@code *}, an unsupported transfer encoding),
 * come with its own short HTML body: it offers no hook to change them. Thread-safe.
 */
public final class SmHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SmHttpServer.class);
    /** How much of a body beyond the size limit is read and dropped so the client still gets its 413. */
    private static final long SWALLOW_BYTES = 16L * 1024 * 1024;
    /** At most this many refused bodies are drained at once, each on its own thread. */
    private static final int MAX_DRAINS = 64;
    /** How long a request body may take to arrive, unless the host says otherwise. */
    public static final int DEFAULT_BODY_TIMEOUT_SECONDS = 30;
    /**
     * The JDK server's own bound on reading a whole request (headers included), in seconds: the
     * backstop for what no handler sees, such as headers sent a byte at a time.
     */
    private static final String MAX_REQUEST_TIME_PROPERTY = "sun.net.httpserver.maxReqTime";

    static {
        // The JDK server writes headers and body separately; with Nagle's algorithm on, each small
        // answer then waits for the client's delayed ACK (~40 ms). The property is read once, when
        // the server classes load, so it must be set before the first server starts. A host that
        // set it explicitly keeps its choice.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        // Read once as well. Without it a client that sends its headers slowly holds a server
        // thread for as long as it likes.
        if (System.getProperty(MAX_REQUEST_TIME_PROPERTY) == null) {
            System.setProperty(MAX_REQUEST_TIME_PROPERTY, "60");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final ServiceManager sm;
    private final long bodyTimeoutMillis;
    /** Requests handed to the Service Manager and not yet answered; {@link #close} waits for them. */
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    /** Ends the requests whose body is late. */
    private final ScheduledThreadPoolExecutor deadlines;
    /**
     * Set when {@link #close} begins: from then on new requests are refused with 503, so the
     * requests in flight can finish and close need not wait out its grace period under steady traffic.
     */
    private volatile boolean closing;
    /** Read what is left of refused bodies, see {@link #refuseTooLarge}. */
    private final java.util.concurrent.ThreadPoolExecutor drains;

    private SmHttpServer(ServiceManager sm, HttpServer server, ExecutorService executor, Duration bodyTimeout) {
        this.sm = sm;
        this.server = server;
        this.executor = executor;
        this.bodyTimeoutMillis = bodyTimeout.toMillis();
        this.deadlines = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread t = new Thread(runnable, "sm-http-deadlines");
            t.setDaemon(true);
            return t;
        });
        deadlines.setRemoveOnCancelPolicy(true);
        this.drains = new java.util.concurrent.ThreadPoolExecutor(0, MAX_DRAINS, 10, TimeUnit.SECONDS,
                new java.util.concurrent.SynchronousQueue<>(), runnable -> {
                    Thread t = new Thread(runnable, "sm-http-drain");
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Starts serving on {@code address} (port 0 picks a free port), with request bodies due within
     * {@value #DEFAULT_BODY_TIMEOUT_SECONDS} seconds.
     */
    public static SmHttpServer start(ServiceManager sm, InetSocketAddress address) {
        return start(sm, address, Duration.ofSeconds(DEFAULT_BODY_TIMEOUT_SECONDS));
    }

    /**
     * Starts serving on {@code address} (port 0 picks a free port). A request whose body has not
     * fully arrived {@code bodyTimeout} after its headers is dropped: its connection is closed.
     */
    public static SmHttpServer start(ServiceManager sm, InetSocketAddress address, Duration bodyTimeout) {
        Objects.requireNonNull(sm, "sm");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(bodyTimeout, "bodyTimeout");
        if (bodyTimeout.isNegative() || bodyTimeout.isZero()) {
            throw new IllegalArgumentException("bodyTimeout must be positive, was " + bodyTimeout);
        }
        try {
            HttpServer server = HttpServer.create(address, 128);
            ExecutorService executor = Executors.newFixedThreadPool(
                    Math.max(16, Runtime.getRuntime().availableProcessors() * 8), runnable -> {
                        Thread t = new Thread(runnable, "sm-http");
                        t.setDaemon(true);
                        return t;
                    });
            SmHttpServer result = new SmHttpServer(sm, server, executor, bodyTimeout);
            server.createContext("/", result::serve);
            server.setExecutor(executor);
            server.start();
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + address, e);
        }
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://host:port}. */
    public String baseUrl() {
        InetSocketAddress address = server.getAddress();
        String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getHostString();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + address.getPort();
    }

    /**
     * Reads the request on a server thread, then lets the answer be written by whoever completes it:
     * a call waiting for a broker must not hold a server thread, or a few slow brokers would stop
     * the server from answering anything else.
     */
    private void serve(HttpExchange exchange) {
        if (closing) {
            refuseWhileClosing(exchange);
            return;
        }
        String rawPath = rawPath(exchange.getRequestURI());
        SmRequest.Builder builder = SmRequest.builder(exchange.getRequestMethod(), rawPath)
                .query(exchange.getRequestURI().getRawQuery());
        InetSocketAddress remote = exchange.getRemoteAddress();
        if (remote != null && remote.getAddress() != null) {
            builder.remoteAddress(remote.getAddress().getHostAddress());
        }
        exchange.getRequestHeaders().forEach((name, values) -> values.forEach(v -> builder.header(name, v)));
        long declared = declaredLength(exchange);
        if (declared == 0) {
            // Most requests (GET, DELETE) have no body: nothing to wait for, no deadline to keep.
            dispatch(exchange, builder.build());
            return;
        }
        long limit = sm.maxRequestBodyBytes();
        BodyDeadline deadline = new BodyDeadline(exchange);
        deadline.timer = deadlines.schedule(deadline, bodyTimeoutMillis, TimeUnit.MILLISECONDS);
        try {
            // A body declared too large is not read at all: the client learns at once, instead of
            // after sending what will be refused (or never, if it sends nothing).
            byte[] body = declared > limit ? new byte[0] : readLimited(exchange.getRequestBody(), limit);
            if (declared > limit || body.length > limit) {
                refuseTooLarge(exchange, builder.body(body).build(), declared, deadline);
                return;
            }
            if (!deadline.bodyRead()) {
                return; // too late: the deadline has closed the connection
            }
            dispatch(exchange, builder.body(body).build());
        } catch (IOException e) {
            deadline.timer.cancel(false);
            LOG.debug("client connection failed: {}", e.getMessage());
            exchange.close();
        }
    }

    private void dispatch(HttpExchange exchange, SmRequest request) {
        inFlight.incrementAndGet();
        // Checked again after counting: a request whose body was still arriving when close() found
        // nothing in flight would otherwise be handled and then cut off by the stop.
        if (closing) {
            answered();
            refuseWhileClosing(exchange);
            return;
        }
        java.util.concurrent.CompletableFuture<SmResponse> answer;
        try {
            answer = sm.handleAsync(request);
        } catch (RuntimeException e) {
            answered();
            throw e;
        }
        answer.whenComplete((response, failure) -> {
            try (exchange) {
                if (response != null) {
                    write(exchange, response);
                }
            } catch (IOException e) {
                LOG.debug("client connection failed: {}", e.getMessage());
            } finally {
                answered();
            }
        });
    }

    /**
     * Answers 503 and closes the connection: the server is stopping, so the client should retry,
     * elsewhere or after a restart. The body, if any, is not read.
     */
    private static void refuseWhileClosing(HttpExchange exchange) {
        byte[] body = "{\"error\":\"ServiceUnavailable\",\"description\":\"the server is shutting down\"}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("Connection", "close");
            exchange.getResponseHeaders().set("Retry-After", "1");
            exchange.sendResponseHeaders(503, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (IOException e) {
            LOG.debug("client connection failed: {}", e.getMessage());
        }
    }

    private void answered() {
        if (inFlight.decrementAndGet() == 0) {
            synchronized (inFlight) {
                inFlight.notifyAll();
            }
        }
    }

    /**
     * The path as the client sent it. The JDK server parses the request target as a URI, so a path
     * starting with {@code //} comes back with its first segment taken for an authority
     * ({@code //v1/osb} as authority {@code v1}, path {@code /osb}); put it back.
     */
    static String rawPath(URI uri) {
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (uri.getScheme() == null && uri.getRawAuthority() != null) {
            return "//" + uri.getRawAuthority() + path;
        }
        return path.isEmpty() ? "/" : path;
    }

    /**
     * Answers 413 before the body is read. The rest of the body is then read and dropped (up to
     * {@link #SWALLOW_BYTES}) off the server threads: the JDK server closes a connection with unread
     * request bytes, and the TCP reset that follows can destroy the answer before the client reads
     * it; and whatever is left the JDK server drains itself, blocking, when the exchange closes.
     * A client that keeps sending slowly then holds a drain thread, not a server thread, until the
     * JDK server's request time limit ends the connection.
     */
    private void refuseTooLarge(HttpExchange exchange, SmRequest request, long declared, BodyDeadline deadline)
            throws IOException {
        if (!deadline.bodyRead()) {
            return;
        }
        SmResponse response = sm.handle(request);
        exchange.getResponseHeaders().set("Connection", "close");
        byte[] body = sendHead(exchange, response);
        OutputStream out = exchange.getResponseBody();
        out.write(body);
        out.flush();
        Runnable drain = () -> {
            try (exchange; out) {
                if (declared <= SWALLOW_BYTES) {
                    swallow(exchange.getRequestBody());
                }
            } catch (IOException e) {
                LOG.debug("client connection failed after its 413: {}", e.getMessage());
            }
        };
        try {
            drains.execute(drain);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            drain.run(); // every drain thread is busy: this server thread waits its turn
        }
    }

    /** The declared body length: 0 for none, -1 for a chunked body of unknown length. */
    private static long declaredLength(HttpExchange exchange) {
        String chunked = exchange.getRequestHeaders().getFirst("Transfer-Encoding");
        if (chunked != null && !chunked.isEmpty()) {
            return -1;
        }
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length == null) {
            return 0;
        }
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1; // the JDK server refuses these itself; read what comes, under the deadline
        }
    }

    /**
     * Closes the connection of a request whose body is late; the server thread blocked reading it
     * then fails and is free again. Whoever comes first, the reader or the deadline, decides.
     */
    private static final class BodyDeadline implements Runnable {
        private final HttpExchange exchange;
        private final java.util.concurrent.atomic.AtomicBoolean decided =
                new java.util.concurrent.atomic.AtomicBoolean();
        private volatile ScheduledFuture<?> timer;

        BodyDeadline(HttpExchange exchange) {
            this.exchange = exchange;
        }

        /** The body is in (or refused): the deadline no longer applies. False if it has expired. */
        boolean bodyRead() {
            if (!decided.compareAndSet(false, true)) {
                return false;
            }
            timer.cancel(false);
            return true;
        }

        @Override
        public void run() {
            if (decided.compareAndSet(false, true)) {
                LOG.debug("request body of {} {} not received in time; closing the connection",
                        exchange.getRequestMethod(), exchange.getRequestURI().getRawPath());
                // No answer has been started, so this closes the connection without waiting for
                // anything, and the blocked read fails.
                exchange.close();
            }
        }
    }

    /** Reads at most limit+1 bytes: enough for the core to see the body is too large, no more. */
    private static byte[] readLimited(InputStream in, long limit) throws IOException {
        return in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
    }

    /** Reads and drops the rest of an oversized body, up to {@link #SWALLOW_BYTES}. */
    private static void swallow(InputStream in) throws IOException {
        long skipped = 0;
        byte[] buffer = new byte[64 * 1024];
        int n;
        while (skipped < SWALLOW_BYTES && (n = in.read(buffer)) > 0) {
            skipped += n;
        }
    }

    private static void write(HttpExchange exchange, SmResponse response) throws IOException {
        byte[] body = sendHead(exchange, response);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Sends the status and headers (added to any already set) and returns the body still to write. */
    private static byte[] sendHead(HttpExchange exchange, SmResponse response) throws IOException {
        for (Map.Entry<String, List<String>> header : response.headers().entrySet()) {
            exchange.getResponseHeaders().put(header.getKey(), header.getValue());
        }
        byte[] body = response.body();
        // The core answers HEAD without a body but with the GET's Content-Length among the headers,
        // which the JDK server keeps for HEAD (it sets none itself then).
        exchange.sendResponseHeaders(response.status(), body.length == 0 ? -1 : body.length);
        return body;
    }

    /**
     * Lets the requests the Service Manager is answering finish for up to a second, then stops.
     * Requests that arrive meanwhile, or whose body was still arriving, are answered 503 with
     * {@code Connection: close}, so steady traffic does not keep the server open. Not the JDK
     * server's own grace period: on Java 17 {@code stop(1)} waits the whole second even when
     * nothing runs, which made every test fixture cost a second.
     */
    @Override
    public void close() {
        closing = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        synchronized (inFlight) {
            long left;
            while (inFlight.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(inFlight, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        server.stop(0);
        deadlines.shutdownNow();
        drains.shutdownNow();
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
