package org.servicemanager.benchmarks;

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

/** The REST calls that set a benchmark up, as one user; any answer but 2xx fails. Thread-safe. */
final class Rest {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient client;
    private final String baseUrl;
    private final String authorization;

    Rest(HttpClient client, String baseUrl, String user, String password) {
        this.client = client;
        this.baseUrl = baseUrl;
        this.authorization = basic(user, password);
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        return send("GET", path, null);
    }

    JsonNode post(String path, String body) throws IOException, InterruptedException {
        return send("POST", path, body);
    }

    JsonNode patch(String path, String body) throws IOException, InterruptedException {
        return send("PATCH", path, body);
    }

    /** The request, built for sending by the caller (to time it exactly). */
    HttpRequest request(String method, String path, String body) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", authorization).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    JsonNode send(String method, String path, String body) throws IOException, InterruptedException {
        return check(method, path, client.send(request(method, path, body), HttpResponse.BodyHandlers.ofString()));
    }

    static JsonNode check(String method, String path, HttpResponse<String> response) throws IOException {
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return response.body().isEmpty() ? MAPPER.createObjectNode() : MAPPER.readTree(response.body());
    }
}
