package org.servicemanager.examples.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.demobroker.DemoBroker;

@DisplayName("The embedded example (a host application with the Service Manager under /sm)")
class EmbeddedAppTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ADMIN = basic("admin", "secret");
    private static EmbeddedApp app;

    @BeforeAll
    static void start() throws Exception {
        app = EmbeddedApp.start(Map.of("PORT", "0", "SM_ADMIN_PASSWORD", "secret"), System.out);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    @DisplayName("serves the host's own endpoint")
    void hostEndpoint() throws Exception {
        HttpResponse<String> response = get("/hello", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("Hello from the host application");
    }

    @Test
    @DisplayName("serves the Service Manager under /sm: GET /sm/v1/info answers without credentials")
    void info() throws Exception {
        assertThat(get("/sm/v1/info", null).statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("asks for credentials under /sm and accepts the admin password from SM_ADMIN_PASSWORD")
    void authentication() throws Exception {
        assertThat(get("/sm/v1/service_brokers", null).statusCode()).isEqualTo(401);
        assertThat(get("/sm/v1/service_brokers", basic("admin", "wrong")).statusCode()).isEqualTo(401);
        assertThat(get("/sm/v1/service_brokers", ADMIN).statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("registers a real broker through /sm and lists the offerings of its catalog")
    void registerBroker() throws Exception {
        try (DemoBroker broker = DemoBroker.start(new InetSocketAddress("127.0.0.1", 0), "broker-user", "broker-pass",
                Clock.systemUTC())) {
            HttpResponse<String> registered = HTTP.send(HttpRequest.newBuilder(URI.create(app.url() + "/sm/v1/service_brokers"))
                    .header("Authorization", ADMIN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"demo\", \"broker_url\": \"" + broker.url()
                            + "\", \"credentials\": {\"basic\": {\"username\": \"broker-user\", \"password\": \"broker-pass\"}}}"))
                    .build(), HttpResponse.BodyHandlers.ofString());

            assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
            assertThat(get("/sm/v1/service_offerings", ADMIN).body()).contains("\"demo-db\"");
        }
    }

    @Test
    @DisplayName("without SM_ADMIN_PASSWORD prints a generated password once, which then works")
    void generatedPassword() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (EmbeddedApp other = EmbeddedApp.start(Map.of("PORT", "0"), new PrintStream(console, true, StandardCharsets.UTF_8))) {
            String printed = console.toString(StandardCharsets.UTF_8);
            String prefix = "Generated Service Manager password for user 'admin': ";
            assertThat(printed).startsWith(prefix);
            String password = printed.substring(prefix.length(), printed.indexOf('\n'));
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(other.url() + "/sm/v1/platforms"))
                    .header("Authorization", basic("admin", password)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
        }
    }

    private static HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(app.url() + path));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
