package org.servicemanager.core.jdk;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * the others. Thread-safe.
 */
public final class SmHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SmHttpServer.class);
    /** How much of a body beyond the size limit is read and dropped so the client still gets its 413. */
    private static final long SWALLOW_BYTES = 16L * 1024 * 1024;

    static {
        // The JDK server writes headers and body separately; with Nagle's algorithm on, each small
        // answer then waits for the client's delayed ACK (~40 ms). The property is read once, when
        // the server classes load, so it must be set before the first server starts. A host that
        // set it explicitly keeps its choice.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final ServiceManager sm;

    private SmHttpServer(ServiceManager sm, HttpServer server, ExecutorService executor) {
        this.sm = sm;
        this.server = server;
        this.executor = executor;
    }

    /** Starts serving on {@code address} (port 0 picks a free port). */
    public static SmHttpServer start(ServiceManager sm, InetSocketAddress address) {
        Objects.requireNonNull(sm, "sm");
        Objects.requireNonNull(address, "address");
        try {
            HttpServer server = HttpServer.create(address, 128);
            ExecutorService executor = Executors.newFixedThreadPool(
                    Math.max(16, Runtime.getRuntime().availableProcessors() * 8), runnable -> {
                        Thread t = new Thread(runnable, "sm-http");
                        t.setDaemon(true);
                        return t;
                    });
            SmHttpServer result = new SmHttpServer(sm, server, executor);
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
        SmRequest request;
        try {
            SmRequest.Builder builder = SmRequest.builder(exchange.getRequestMethod(),
                    rawPath(exchange.getRequestURI())).query(exchange.getRequestURI().getRawQuery());
            exchange.getRequestHeaders().forEach((name, values) -> values.forEach(v -> builder.header(name, v)));
            byte[] body = readLimited(exchange.getRequestBody(), sm.maxRequestBodyBytes());
            if (body.length > sm.maxRequestBodyBytes()) {
                swallow(exchange.getRequestBody());
            }
            request = builder.body(body).build();
        } catch (IOException e) {
            LOG.debug("client connection failed: {}", e.getMessage());
            exchange.close();
            return;
        }
        sm.handleAsync(request).whenComplete((response, failure) -> {
            try (exchange) {
                if (response != null) {
                    write(exchange, response);
                }
            } catch (IOException e) {
                LOG.debug("client connection failed: {}", e.getMessage());
            }
        });
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

    /** Reads at most limit+1 bytes: enough for the core to see the body is too large, no more. */
    private static byte[] readLimited(InputStream in, long limit) throws IOException {
        return in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
    }

    /**
     * Reads and drops the rest of an oversized body, up to {@link #SWALLOW_BYTES}. The JDK server
     * closes a connection with unread request bytes, and the TCP reset that follows can destroy the
     * 413 answer before the client reads it; bodies far beyond the bound still get the reset.
     */
    private static void swallow(InputStream in) throws IOException {
        long skipped = 0;
        byte[] buffer = new byte[64 * 1024];
        int n;
        while (skipped < SWALLOW_BYTES && (n = in.read(buffer)) > 0) {
            skipped += n;
        }
    }

    private static void write(HttpExchange exchange, SmResponse response) throws IOException {
        for (Map.Entry<String, List<String>> header : response.headers().entrySet()) {
            exchange.getResponseHeaders().put(header.getKey(), header.getValue());
        }
        byte[] body = response.body();
        boolean noBody = body.length == 0 || exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(response.status(), noBody ? -1 : body.length);
        if (!noBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Stops accepting requests, lets running ones finish for up to a second, then stops. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
