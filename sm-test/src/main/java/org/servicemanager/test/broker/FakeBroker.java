package org.servicemanager.test.broker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.servicemanager.test.http.ApiClient;

/**
 * A small Open Service Broker on {@code 127.0.0.1} with a free port, for tests of the Service
 * Manager's broker-facing side. It answers {@code GET /v2/catalog} with a configurable catalog
 * (by default {@link #defaultCatalog()}), can be told to fail in several ways, checks credentials
 * when told to, and records every request it receives.
 *
 * <pre>{@code
 * try (FakeBroker broker = FakeBroker.start().withBasicAuth("user", "pass")) {
 *     broker.catalog(Catalogs.of(Catalogs.offering("db").plan(Catalogs.plan("small"))));
 *     // register broker.url() with the Service Manager, then:
 *     assertThat(broker.requests()).extracting(RecordedRequest::path).contains("/v2/catalog");
 * }
 * }</pre>
 *
 * <p>Requests are served by a pool of threads, so a delayed answer does not hold up other
 * requests.
 * Routes live in a table ({@link #route}), so tests and later versions can add the other
 * OSB endpoints; a path without a route answers 404 with an OSB error body. Thread-safe.
 */
public final class FakeBroker implements AutoCloseable {
    /** The path of the catalog endpoint. */
    public static final String CATALOG_PATH = "/v2/catalog";

    static {
        // As in SmHttpServer: without TCP_NODELAY every answer of the JDK server waits ~40 ms for
        // the client's delayed ACK. Read once when the server classes load; an explicit choice wins.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Route> routes = new CopyOnWriteArrayList<>();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicReference<String> expectedAuthorization = new AtomicReference<>();
    private final AtomicReference<String> catalog = new AtomicReference<>(defaultCatalog());
    private final AtomicReference<Responder> catalogOverride = new AtomicReference<>();
    private final ConcurrentLinkedQueue<Reply> nextCatalogReplies = new ConcurrentLinkedQueue<>();

    /** Answers one request of a route. Called on the broker's threads. */
    @FunctionalInterface
    public interface Responder {
        Reply respond(RecordedRequest request);
    }

    private record Route(String method, String[] segments, Responder responder) {
    }

    private FakeBroker(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
        route("GET", CATALOG_PATH, this::catalogReply);
    }

    /** Starts a broker on {@code 127.0.0.1} with a free port, without authentication. */
    public static FakeBroker start() {
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
            Thread t = new Thread(runnable, "fake-broker-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            FakeBroker broker = new FakeBroker(server, executor);
            server.createContext("/", broker::serve);
            server.setExecutor(executor);
            server.start();
            return broker;
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("cannot start the fake broker", e);
        }
    }

    /** {@code http://127.0.0.1:port}, without a trailing slash. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** From now on, only requests with these HTTP Basic credentials are served; others get 401. */
    public FakeBroker withBasicAuth(String username, String password) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        expectedAuthorization.set(ApiClient.basicAuthorization(username, password));
        return this;
    }

    /** From now on, only requests with this bearer token are served; others get 401. */
    public FakeBroker withBearerToken(String token) {
        Objects.requireNonNull(token, "token");
        expectedAuthorization.set("Bearer " + token);
        return this;
    }

    /** From now on, requests are served whatever their credentials. */
    public FakeBroker withoutAuth() {
        expectedAuthorization.set(null);
        return this;
    }

    /** What {@code GET /v2/catalog} answers from now on (with 200), when no failure is set. */
    public FakeBroker catalog(String json) {
        catalog.set(Objects.requireNonNull(json, "json"));
        return this;
    }

    /** The catalog currently served. */
    public String catalog() {
        return catalog.get();
    }

    /** Every catalog call from now on answers {@code status} with {@code body} (JSON). */
    public FakeBroker respondWith(int status, String body) {
        return failCatalogCalls(Reply.json(status, body));
    }

    /** Every catalog call from now on answers the current catalog, but only after {@code delay}. */
    public FakeBroker delay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
        catalogOverride.set(request -> Reply.json(200, catalog.get()).after(delay));
        return this;
    }

    /** Every catalog call from now on answers 200 with a body that is not JSON. */
    public FakeBroker invalidJson() {
        return failCatalogCalls(Reply.invalidJson());
    }

    /** Every catalog call from now on gets its connection closed without an answer. */
    public FakeBroker closeConnection() {
        return failCatalogCalls(Reply.closeConnection());
    }

    /** Every catalog call from now on answers {@code reply}, until {@link #reset()}. */
    public FakeBroker failCatalogCalls(Reply reply) {
        Objects.requireNonNull(reply, "reply");
        catalogOverride.set(request -> reply);
        return this;
    }

    /**
     * Only the next catalog call answers {@code reply}; later ones are served as before. Several
     * calls queue up in order.
     */
    public FakeBroker failNextCatalogCall(Reply reply) {
        nextCatalogReplies.add(Objects.requireNonNull(reply, "reply"));
        return this;
    }

    /** Drops every failure mode; the catalog and credentials stay. */
    public FakeBroker reset() {
        catalogOverride.set(null);
        nextCatalogReplies.clear();
        return this;
    }

    /**
     * Adds or replaces the route for {@code method} and {@code pathPattern}. A pattern is literal
     * segments and {@code {name}} placeholders matching one segment, e.g.
     * {@code /v2/service_instances/{instance_id}}.
     */
    public FakeBroker route(String method, String pathPattern, Responder responder) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(pathPattern, "pathPattern");
        Objects.requireNonNull(responder, "responder");
        String upper = method.toUpperCase(Locale.ROOT);
        String[] segments = segments(pathPattern);
        routes.removeIf(r -> r.method().equals(upper) && String.join("/", r.segments()).equals(String.join("/",
                segments)));
        routes.add(new Route(upper, segments, responder));
        return this;
    }

    /** Every request received so far, in arrival order (also those rejected with 401 or 404). */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /** The received requests for one path. */
    public List<RecordedRequest> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** How many catalog requests were received. */
    public int catalogCalls() {
        return requests(CATALOG_PATH).size();
    }

    public FakeBroker clearRequests() {
        requests.clear();
        return this;
    }

    /** A valid catalog: offering {@code fake-service} (id {@code fake-service-id}) with plans {@code small} and {@code large}. */
    public static String defaultCatalog() {
        return Catalogs.of(Catalogs.offering("fake-service")
                .plan(Catalogs.plan("small"))
                .plan(Catalogs.plan("large").free(false)));
    }

    private Reply catalogReply(RecordedRequest request) {
        Reply next = nextCatalogReplies.poll();
        if (next != null) {
            return next;
        }
        Responder override = catalogOverride.get();
        return override != null ? override.respond(request) : Reply.json(200, catalog.get());
    }

    private void serve(HttpExchange exchange) {
        try {
            RecordedRequest request = record(exchange);
            requests.add(request);
            Reply reply = dispatch(request);
            if (!reply.delay().isZero()) {
                Thread.sleep(reply.delay().toMillis());
            }
            if (reply.closesConnection()) {
                // Closing before any header is sent makes the server drop the connection.
                exchange.close();
                return;
            }
            reply.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            byte[] body = reply.bodyUnsafe();
            exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The client went away; nothing to answer.
        } finally {
            exchange.close();
        }
    }

    private Reply dispatch(RecordedRequest request) {
        String expected = expectedAuthorization.get();
        if (expected != null) {
            String actual = request.header("Authorization").orElse("");
            if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                    actual.getBytes(StandardCharsets.UTF_8))) {
                return Reply.error(401, "Unauthorized", "the fake broker did not accept the credentials")
                        .withHeader("WWW-Authenticate", "Basic realm=\"fake-broker\"");
            }
        }
        String[] path = segments(request.path());
        boolean pathKnown = false;
        for (Route route : routes) {
            if (matches(route.segments(), path)) {
                if (route.method().equals(request.method())) {
                    return route.responder().respond(request);
                }
                pathKnown = true;
            }
        }
        return pathKnown
                ? Reply.error(405, "MethodNotAllowed", request.method() + " is not supported on " + request.path())
                : Reply.error(404, "NotFound", "the fake broker has no endpoint " + request.path());
    }

    private static boolean matches(String[] pattern, String[] path) {
        if (pattern.length != path.length) {
            return false;
        }
        for (int i = 0; i < pattern.length; i++) {
            if (!(pattern[i].startsWith("{") && pattern[i].endsWith("}") && !path[i].isEmpty())
                    && !pattern[i].equals(path[i])) {
                return false;
            }
        }
        return true;
    }

    private static String[] segments(String path) {
        String trimmed = path.replaceAll("^/+", "").replaceAll("/+$", "");
        return trimmed.isEmpty() ? new String[0] : trimmed.split("/", -1);
    }

    private static RecordedRequest record(HttpExchange exchange) throws IOException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(values));
        headers.replaceAll((k, v) -> List.copyOf(v));
        byte[] body = exchange.getRequestBody().readAllBytes();
        return new RecordedRequest(exchange.getRequestMethod().toUpperCase(Locale.ROOT),
                exchange.getRequestURI().getPath(), exchange.getRequestURI().getRawQuery(), headers,
                new String(body, StandardCharsets.UTF_8));
    }

    /** Stops the broker at once; requests still running are interrupted. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "FakeBroker[" + url() + "]";
    }
}
