package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.standalone.StandaloneServer.Running;
import org.servicemanager.test.http.SlowClients;

@DisplayName("the standalone server facing slow, oversized and malformed requests")
class StandaloneHardeningTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private static Running server;

    @BeforeAll
    static void start() {
        server = StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0", "SM_ADMIN_PASSWORD", "given-pass"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @DisplayName("210 connections trickling request bodies, more than Jetty has threads, do not stop it answering")
    void tricklingBodies() throws Exception {
        try (SlowClients slow = SlowClients.trickleBodies("127.0.0.1", server.port(), "/v1/platforms", 100_000, 210,
                Duration.ofMillis(500))) {
            Thread.sleep(500);

            CompletableFuture<HttpResponse<String>> created = HTTP.sendAsync(HttpRequest.newBuilder(
                    URI.create(server.baseUrl() + "/v1/platforms"))
                    .header("Authorization", basic("admin:given-pass"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"while-slow\",\"type\":\"cf\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());

            // Generous bound: the point is that it is answered at all while the slow clients go on.
            HttpResponse<String> response = created.get(20, TimeUnit.SECONDS);
            assertThat(response.statusCode()).as("%s, with %d slow connections open", response.body(), slow.open())
                    .isEqualTo(201);
        }
    }

    @Test
    @DisplayName("a connection trickling its body below the minimum data rate is dropped within seconds")
    void slowBodyIsDropped() throws Exception {
        try (SlowClients slow = SlowClients.trickleBodies("127.0.0.1", server.port(), "/v1/platforms", 1_000, 1,
                Duration.ofMillis(250))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (slow.open() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }

            // Without a minimum rate it would stay until the idle timeout, which never comes: it sends.
            assertThat(slow.open()).isZero();
        }
    }

    @Test
    @DisplayName("a Content-Length over the limit is 413 at once, with the error body, though no body is sent")
    void hugeContentLength() {
        String answer = SlowClients.exchange("127.0.0.1", server.port(), "POST /v1/platforms HTTP/1.1\r\n"
                + "Host: x\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n", Duration.ofSeconds(10));

        assertThat(answer).startsWith("HTTP/1.1 413").contains("\"error\":\"PayloadTooLarge\"")
                .containsIgnoringCase("X-Correlation-ID:");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"uri-too-long", "headers-too-large", "malformed-header",
            "ambiguous-path"})
    @DisplayName("errors Jetty answers itself have the JSON error body and an X-Correlation-ID, not an HTML page")
    void containerErrors(String kind) {
        String request = switch (kind) {
            case "uri-too-long" -> "GET /v1/info?q=" + "x".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n";
            case "headers-too-large" -> "GET /v1/info HTTP/1.1\r\nHost: x\r\nX-Big: " + "y".repeat(20_000)
                    + "\r\n\r\n";
            case "malformed-header" -> "GET /v1/info HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n";
            default -> "GET /v1/platforms/a%2F..%2Fb HTTP/1.1\r\nHost: x\r\n\r\n";
        };

        String answer = SlowClients.exchange("127.0.0.1", server.port(), request, Duration.ofSeconds(10));

        assertThat(answer).matches("(?s)HTTP/1.1 4\\d\\d .*");
        assertThat(answer).containsIgnoringCase("Content-Type: application/json").containsIgnoringCase(
                "X-Correlation-ID:").contains("\"error\":\"").contains("\"description\":\"")
                .doesNotContainIgnoringCase("<html");
    }

    @Test
    @DisplayName("HEAD on a GET resource answers like GET, without a body")
    void head() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/info"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
        assertThat(response.headers().firstValue("X-Correlation-ID")).isPresent();
    }

    private static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }
}
