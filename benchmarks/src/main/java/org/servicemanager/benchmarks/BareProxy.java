package org.servicemanager.benchmarks;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The cheapest possible hop, as a yardstick: a JDK server that forwards every request unchanged
 * to the broker with the JDK {@code HttpClient} and copies the answer back, with no checks, no
 * authentication and no records. Whatever the Service Manager costs beyond this is its own.
 */
final class BareProxy implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(16);
    /** Like the Service Manager's broker client: the client's own work runs inline, without hand-offs. */
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Runnable::run).build();

    BareProxy(String target) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String query = exchange.getRequestURI().getRawQuery();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target
                    + exchange.getRequestURI().getRawPath() + (query == null ? "" : "?" + query)))
                    .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body))
                    .header("X-Broker-API-Version", "2.17");
            client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray()).whenComplete((r, t) -> {
                try (exchange) {
                    byte[] answer = t == null ? r.body() : new byte[0];
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(t == null ? r.statusCode() : 502, answer.length == 0 ? -1
                            : answer.length);
                    if (answer.length > 0) {
                        exchange.getResponseBody().write(answer);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        });
        server.setExecutor(executor);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
