package org.servicemanager.demobroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The demo broker")
class DemoBrokerTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SMALL = "{\"service_id\": \"demo-db\", \"plan_id\": \"demo-db-small\"}";
    private static final String LARGE = "{\"service_id\": \"demo-db\", \"plan_id\": \"demo-db-large\"}";

    /** A clock the test moves, so that the asynchronous plan needs no sleeping. */
    private static final class MovableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final MovableClock clock = new MovableClock();
    private DemoBroker broker;
    private final String instance = "/v2/service_instances/" + UUID.randomUUID();

    @BeforeEach
    void start() {
        broker = DemoBroker.start(new InetSocketAddress("127.0.0.1", 0), "user", "pass", clock);
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    @DisplayName("serves its catalog to callers with its credentials and the API version header")
    void catalog() throws Exception {
        HttpResponse<String> response = call("GET", "/v2/catalog", null);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode service = JSON.readTree(response.body()).path("services").path(0);
        assertThat(service.path("name").asText()).isEqualTo("demo-db");
        assertThat(service.path("plans").findValuesAsText("name")).containsExactly("small", "large");
    }

    @Test
    @DisplayName("answers 401 with a Basic challenge to wrong or missing credentials")
    void unauthorized() throws Exception {
        HttpResponse<String> wrong = send(request("GET", "/v2/catalog", null)
                .setHeader("Authorization", basic("user", "wrong")).build());
        HttpResponse<String> missing = send(HttpRequest.newBuilder(URI.create(broker.url() + "/v2/catalog"))
                .header("X-Broker-API-Version", "2.17").build());

        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"demo-broker\"");
    }

    @Test
    @DisplayName("answers 412 when X-Broker-API-Version is missing or not 2.x")
    void apiVersion() throws Exception {
        HttpResponse<String> missing = send(HttpRequest.newBuilder(URI.create(broker.url() + "/v2/catalog"))
                .header("Authorization", basic("user", "pass")).build());
        HttpResponse<String> wrong = send(request("GET", "/v2/catalog", null).setHeader("X-Broker-API-Version", "3.0").build());

        assertThat(missing.statusCode()).isEqualTo(412);
        assertThat(wrong.statusCode()).isEqualTo(412);
    }

    @Test
    @DisplayName("answers GET / without credentials, so that a script can wait for it to listen")
    void root() throws Exception {
        assertThat(send(HttpRequest.newBuilder(URI.create(broker.url() + "/")).build()).statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("provisions the plan small at once (201), 200 for an identical repeat, 409 for a different one")
    void provisionSync() throws Exception {
        assertThat(call("PUT", instance, SMALL).statusCode()).isEqualTo(201);
        assertThat(call("PUT", instance, SMALL).statusCode()).isEqualTo(200);
        assertThat(call("PUT", instance, "{\"service_id\": \"demo-db\", \"plan_id\": \"demo-db-small\", \"parameters\": {\"a\": 1}}")
                .statusCode()).isEqualTo(409);

        HttpResponse<String> fetched = call("GET", instance, null);
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(fetched.body()).path("plan_id").asText()).isEqualTo("demo-db-small");
    }

    @Test
    @DisplayName("answers 400 to a provision of a plan it does not have, or without a JSON body")
    void provisionUnknownPlan() throws Exception {
        assertThat(call("PUT", instance, "{\"service_id\": \"demo-db\", \"plan_id\": \"huge\"}").statusCode()).isEqualTo(400);
        assertThat(call("PUT", instance, "not json").statusCode()).isEqualTo(400);
        assertThat(call("GET", instance, null).statusCode()).isEqualTo(404);
    }

    @Test
    @DisplayName("provisions the plan large asynchronously: 202, last_operation in progress, then succeeded")
    void provisionAsync() throws Exception {
        HttpResponse<String> accepted = call("PUT", instance + "?accepts_incomplete=true", LARGE);
        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(accepted.body()).path("operation").asText()).isEqualTo("provision");
        assertThat(state(call("GET", instance + "/last_operation?operation=provision", null))).isEqualTo("in progress");
        assertThat(call("GET", instance, null).statusCode()).isEqualTo(404);

        clock.now = clock.now.plus(OsbHandler.ASYNC_DURATION);

        assertThat(state(call("GET", instance + "/last_operation?operation=provision", null))).isEqualTo("succeeded");
        assertThat(call("GET", instance, null).statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("answers 422 AsyncRequired to the plan large without accepts_incomplete=true")
    void asyncRequired() throws Exception {
        HttpResponse<String> response = call("PUT", instance, LARGE);

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(response.body()).path("error").asText()).isEqualTo("AsyncRequired");
    }

    @Test
    @DisplayName("changes an instance's plan (200) and refuses a plan it does not have (400)")
    void update() throws Exception {
        call("PUT", instance, SMALL);

        assertThat(call("PATCH", instance, "{\"service_id\": \"demo-db\", \"plan_id\": \"demo-db-large\"}").statusCode())
                .isEqualTo(200);
        assertThat(JSON.readTree(call("GET", instance, null).body()).path("plan_id").asText()).isEqualTo("demo-db-large");
        assertThat(call("PATCH", instance, "{\"plan_id\": \"huge\"}").statusCode()).isEqualTo(400);
    }

    @Test
    @DisplayName("binds with fresh credentials (201), the same again for a repeat (200), and fetches them")
    void bind() throws Exception {
        call("PUT", instance, SMALL);

        HttpResponse<String> created = call("PUT", instance + "/service_bindings/b1", SMALL);
        HttpResponse<String> repeated = call("PUT", instance + "/service_bindings/b1", SMALL);
        HttpResponse<String> fetched = call("GET", instance + "/service_bindings/b1", null);

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(JSON.readTree(created.body()).path("credentials").path("password").asText()).isNotEmpty();
        assertThat(repeated.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(repeated.body())).isEqualTo(JSON.readTree(created.body()));
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(fetched.body())).isEqualTo(JSON.readTree(created.body()));
    }

    @Test
    @DisplayName("answers 404 to a bind or binding fetch on an unknown instance")
    void bindUnknownInstance() throws Exception {
        assertThat(call("PUT", instance + "/service_bindings/b1", SMALL).statusCode()).isEqualTo(404);
        assertThat(call("GET", instance + "/service_bindings/b1", null).statusCode()).isEqualTo(404);
    }

    @Test
    @DisplayName("unbinds (200), then answers 410 since the binding is gone")
    void unbind() throws Exception {
        call("PUT", instance, SMALL);
        call("PUT", instance + "/service_bindings/b1", SMALL);
        String query = "?service_id=demo-db&plan_id=demo-db-small";

        assertThat(call("DELETE", instance + "/service_bindings/b1" + query, null).statusCode()).isEqualTo(200);
        assertThat(call("DELETE", instance + "/service_bindings/b1" + query, null).statusCode()).isEqualTo(410);
        assertThat(call("GET", instance + "/service_bindings/b1", null).statusCode()).isEqualTo(404);
    }

    @Test
    @DisplayName("deprovisions (200), then answers 410 to deprovision and last_operation since the instance is gone")
    void deprovision() throws Exception {
        call("PUT", instance, SMALL);
        String query = "?service_id=demo-db&plan_id=demo-db-small";

        assertThat(call("DELETE", instance + query, null).statusCode()).isEqualTo(200);
        assertThat(call("DELETE", instance + query, null).statusCode()).isEqualTo(410);
        assertThat(call("GET", instance + "/last_operation", null).statusCode()).isEqualTo(410);
    }

    @Test
    @DisplayName("answers 400 to a deprovision without service_id and plan_id")
    void deprovisionWithoutIds() throws Exception {
        call("PUT", instance, SMALL);

        assertThat(call("DELETE", instance, null).statusCode()).isEqualTo(400);
    }

    @Test
    @DisplayName("answers 404 to a path outside the OSB API and 405 to a method it does not serve there")
    void unknownPathAndMethod() throws Exception {
        assertThat(call("GET", "/v2/unknown", null).statusCode()).isEqualTo(404);
        assertThat(call("POST", "/v2/catalog", "{}").statusCode()).isEqualTo(405);
        assertThat(call("POST", instance, SMALL).statusCode()).isEqualTo(405);
    }

    @Test
    @DisplayName("java -jar's code path prints its URL and a generated password once, which then works")
    void startFromEnvironment() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (DemoBroker started = DemoBroker.start(Map.of("DEMO_BROKER_PORT", "0"),
                new PrintStream(console, true, StandardCharsets.UTF_8))) {
            String printed = console.toString(StandardCharsets.UTF_8);
            assertThat(printed).startsWith("Demo broker listening on " + started.url() + " (user broker-user)");
            String password = printed.substring(printed.indexOf("broker-user: ") + "broker-user: ".length()).strip();
            HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(started.url() + "/v2/catalog"))
                    .header("Authorization", basic("broker-user", password)).header("X-Broker-API-Version", "2.17").build());
            assertThat(response.statusCode()).isEqualTo(200);
        }
    }

    @Test
    @DisplayName("refuses a DEMO_BROKER_PORT that is not a port number, naming it")
    void badPort() {
        assertThatThrownBy(() -> DemoBroker.start(Map.of("DEMO_BROKER_PORT", "http"), System.out))
                .hasMessageContaining("DEMO_BROKER_PORT").hasMessageContaining("'http'");
    }

    @Test
    @DisplayName("answers 413 with an OSB error naming the limit to a declared body over 64 KiB, before reading it")
    void declaredBodyTooLarge() throws Exception {
        // Declares 10 MiB but sends only 1 KiB: the answer must come without the broker waiting for the rest.
        String head = "PUT " + instance + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + basic("user", "pass")
                + "\r\nX-Broker-API-Version: 2.17\r\nContent-Type: application/json\r\nContent-Length: "
                + (10 * 1024 * 1024) + "\r\n\r\n";
        String answer = rawExchange(head, "x".repeat(1024));

        assertThat(answer).startsWith("HTTP/1.1 413");
        JsonNode error = JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
        assertThat(error.path("error").asText()).isEqualTo("PayloadTooLarge");
        assertThat(error.path("description").asText()).contains("65536 bytes");
        assertThat(call("GET", "/v2/catalog", null).statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("answers 413 to a chunked body that grows past 64 KiB, and keeps serving")
    void chunkedBodyTooLarge() throws Exception {
        String head = "PUT " + instance + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + basic("user", "pass")
                + "\r\nX-Broker-API-Version: 2.17\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n";
        String chunk = Integer.toHexString(8192) + "\r\n" + "x".repeat(8192) + "\r\n";
        String answer = rawExchange(head, chunk.repeat(9));

        assertThat(answer).startsWith("HTTP/1.1 413");
        assertThat(JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4)).path("error").asText())
                .isEqualTo("PayloadTooLarge");
        assertThat(call("PUT", instance, SMALL).statusCode()).isEqualTo(201);
    }

    @Test
    @DisplayName("accepts a body of exactly 64 KiB")
    void bodyAtTheLimit() throws Exception {
        String prefix = "{\"service_id\": \"demo-db\", \"plan_id\": \"demo-db-small\", \"parameters\": {\"pad\": \"";
        String suffix = "\"}}";
        String body = prefix + "x".repeat(OsbHandler.MAX_BODY_BYTES - prefix.length() - suffix.length()) + suffix;
        assertThat(body.getBytes(StandardCharsets.UTF_8)).hasSize(64 * 1024);

        assertThat(call("PUT", instance, body).statusCode()).isEqualTo(201);
    }

    private static String state(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body()).path("state").asText();
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        return send(request(method, path, body).build());
    }

    private HttpRequest.Builder request(String method, String path, String body) {
        return HttpRequest.newBuilder(URI.create(broker.url() + path))
                .header("Authorization", basic("user", "pass"))
                .header("X-Broker-API-Version", "2.17")
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    }

    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Sends a request by hand (the JDK client cannot declare a length it does not send), then reads
     * the answer without closing the sending side, so a broker waiting for the rest would time out.
     */
    private String rawExchange(String head, String body) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", broker.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            int headEnd = -1;
            int length = -1;
            for (int n; (n = in.read(buffer)) > 0; ) {
                answer.write(buffer, 0, n);
                String text = answer.toString(StandardCharsets.US_ASCII);
                if (headEnd < 0 && (headEnd = text.indexOf("\r\n\r\n")) >= 0) {
                    Matcher matcher = Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(text);
                    length = matcher.find() ? Integer.parseInt(matcher.group(1)) : 0;
                }
                if (headEnd >= 0 && answer.size() >= headEnd + 4 + length) {
                    break;
                }
            }
            return answer.toString(StandardCharsets.US_ASCII);
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
