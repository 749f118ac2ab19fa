package org.servicemanager.servlet;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A minimal OSB broker on a free loopback port whose {@code GET /v2/catalog} answers a valid
 * one-plan catalog only after a delay. Thread-safe.
 */
final class SlowBroker implements AutoCloseable {
    static final String CATALOG = """
            {"services":[{"id":"svc1","name":"svc","description":"d","bindable":true,
              "plans":[{"id":"p1","name":"small","description":"d"}]}]}""";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Semaphore arrivals = new Semaphore(0);

    SlowBroker(Duration delay) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.createContext("/v2/catalog", exchange -> {
            try (exchange) {
                arrivals.release();
                Thread.sleep(delay.toMillis());
                byte[] body = CATALOG.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // One thread per waiting request, so the broker itself serializes nothing.
        server.setExecutor(executor);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Waits until {@code count} catalog requests have arrived (and are being held). */
    boolean awaitArrivals(int count, Duration timeout) throws InterruptedException {
        return arrivals.tryAcquire(count, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
