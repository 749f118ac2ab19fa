package org.servicemanager.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A minimal OSB broker for benchmarks, on the JDK server: it keeps instances in a map and builds
 * its catalog (20 offerings of 5 plans, with metadata and a schema) with Jackson on every call,
 * as typical broker frameworks do. It checks nothing; it only has to be cheap and realistic.
 */
final class MiniBroker implements AutoCloseable {
    static final int OFFERINGS = 20;
    static final int PLANS = 5;
    /** How long each provision and deprovision waits, as a real broker would ({@code -Dbench.brokerWorkMillis}). */
    static final int WORK_MILLIS = Integer.getInteger("bench.brokerWorkMillis", 0);

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    private final ObjectMapper mapper = new ObjectMapper();
    private final ConcurrentHashMap<String, Boolean> instances = new ConcurrentHashMap<>();

    MiniBroker() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/v2/catalog", exchange -> reply(exchange, 200, catalog()));
        server.createContext("/v2/service_instances/", exchange -> {
            String id = exchange.getRequestURI().getPath().substring("/v2/service_instances/".length());
            exchange.getRequestBody().readAllBytes();
            if (WORK_MILLIS > 0) {
                // Stands for the broker's own work (a database write, a call to its backend).
                try {
                    Thread.sleep(WORK_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            switch (exchange.getRequestMethod()) {
                case "PUT" -> reply(exchange, instances.putIfAbsent(id, true) == null ? 201 : 200,
                        "{\"dashboard_url\":\"https://dashboard.example/" + id + "\"}");
                case "DELETE" -> reply(exchange, instances.remove(id) != null ? 200 : 410, "{}");
                default -> reply(exchange, 405, "{\"error\":\"MethodNotAllowed\"}");
            }
        });
        server.setExecutor(executor);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The catalog JSON, built anew each time. */
    String catalog() {
        ObjectNode root = mapper.createObjectNode();
        ArrayNode services = root.putArray("services");
        for (int o = 0; o < OFFERINGS; o++) {
            ObjectNode service = services.addObject().put("id", "svc-" + o).put("name", "service-" + o)
                    .put("description", "Service number " + o + " of the benchmark broker").put("bindable", true)
                    .put("plan_updateable", true);
            service.putArray("tags").add("benchmark").add("db");
            service.putObject("metadata").put("displayName", "Service " + o).put("longDescription", "A service");
            ArrayNode plans = service.putArray("plans");
            for (int p = 0; p < PLANS; p++) {
                ObjectNode plan = plans.addObject().put("id", "svc-" + o + "-plan-" + p).put("name", "plan-" + p)
                        .put("description", "Plan " + p).put("free", p == 0);
                plan.putObject("metadata").putArray("bullets").add("fast").add("small");
                plan.putObject("schemas").putObject("service_instance").putObject("create")
                        .putObject("parameters").put("$schema", "http://json-schema.org/draft-04/schema#")
                        .put("type", "object");
            }
        }
        try {
            return mapper.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JSON answer; shared by the benchmarks' brokers. */
    static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
