package org.example.bookshop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;

/**
 * The host's code under test: orders a database instance for a shop from a Service Manager (the
 * Service Manager as a platform, {@code POST /v1/service_instances}) and waits until it is ready.
 * Immutable and thread-safe.
 */
public final class DatabaseOrders {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final String baseUrl;
    private final String authorization;

    /** Talks to the Service Manager at {@code baseUrl} with an operator's Basic credentials. */
    public DatabaseOrders(String baseUrl, String username, String password) {
        this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                (username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The outcome of an order: the instance id, and whether it is ready. */
    public record Order(String instanceId, boolean ready) {
    }

    /**
     * Orders {@code plan} of {@code offering} as {@code shopName}-db and waits up to {@code wait} for
     * an asynchronous broker to finish.
     *
     * @throws IllegalStateException when the Service Manager refuses, with its description
     */
    public Order order(String shopName, String offering, String plan, Duration wait)
            throws IOException, InterruptedException {
        String body = MAPPER.createObjectNode().put("name", shopName + "-db")
                .put("service_offering_name", offering).put("service_plan_name", plan).toString();
        HttpResponse<String> created = send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/service_instances"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        JsonNode answer = MAPPER.readTree(created.body());
        if (created.statusCode() == 201) {
            return new Order(answer.path("id").asText(), answer.path("ready").asBoolean());
        }
        if (created.statusCode() != 202) {
            throw new IllegalStateException("the order was refused: " + answer.path("description").asText());
        }
        String operation = created.headers().firstValue("Location").orElseThrow();
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            JsonNode state = MAPPER.readTree(send(HttpRequest.newBuilder(URI.create(baseUrl + operation)).GET()).body());
            String value = state.path("state").asText();
            if (!value.equals("in progress") || System.nanoTime() > deadline) {
                return new Order(state.path("resource_id").asText(), value.equals("succeeded"));
            }
            Thread.sleep(20);
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.header("Authorization", authorization).build(), HttpResponse.BodyHandlers.ofString());
    }
}
