package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("malformed requests and the error format")
class ErrorsApiTest extends ApiTestBase {

    private ApiResponse postPlatform(String contentType, String body) {
        return admin.raw("POST", "/v1/platforms", contentType, body == null ? null
                : body.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{\"name\": ", "{name: 'x'}", "not json", "{\"name\": \"x\"} trailing",
            "{\"name\": \"x\",}", "\"just a string\""})
    @DisplayName("a body that is not valid JSON or not an object is 400")
    void malformedJson(String body) {
        assertError(postPlatform("application/json", body), 400, "BadRequest");
    }

    @Test
    @DisplayName("a JSON array as body is 400")
    void arrayBody() {
        assertError(postPlatform("application/json", "[{\"name\": \"x\", \"type\": \"y\"}]"), 400, "BadRequest");
    }

    @Test
    @DisplayName("an empty body is 400")
    void emptyBody() {
        assertError(postPlatform("application/json", ""), 400, "BadRequest");
        assertError(admin.raw("PATCH", "/v1/platforms/x", "application/json", null), 400, "BadRequest");
    }

    @Test
    @DisplayName("a JSON null body is 400")
    void nullBody() {
        assertError(postPlatform("application/json", "null"), 400, "BadRequest");
    }

    @Test
    @DisplayName("duplicate keys in a JSON object are 400")
    void duplicateKeys() {
        String name = unique("dup");
        assertError(postPlatform("application/json", "{\"name\": \"" + name + "\", \"type\": \"a\", \"type\": \"b\"}"),
                400, "BadRequest");
        assertThat(admin.get("/v1/platforms?fieldQuery=" + q("name eq '" + name + "'")).json().get("num_items")
                .asInt()).isZero();
    }

    @Test
    @DisplayName("JSON nested too deeply is 400, not a server error")
    void deepNesting() {
        String deep = "[".repeat(2000) + "]".repeat(2000);
        assertError(postPlatform("application/json", "{\"name\": \"x\", \"type\": \"y\", \"labels\": " + deep + "}"),
                400, "BadRequest");
    }

    @ParameterizedTest(name = "Content-Type {0}")
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "application/xml", "json"})
    @DisplayName("a POST body of another content type is 415")
    void wrongContentType(String contentType) {
        assertError(postPlatform(contentType, "{\"name\": \"x\", \"type\": \"y\"}"), 415, "UnsupportedMediaType");
    }

    @Test
    @DisplayName("a POST or PATCH without Content-Type is 415")
    void missingContentType() {
        assertError(postPlatform(null, "{\"name\": \"x\", \"type\": \"y\"}"), 415, "UnsupportedMediaType");
        String id = createPlatform().get("id").asText();
        assertError(admin.raw("PATCH", "/v1/platforms/" + id, null, "{}".getBytes()), 415, "UnsupportedMediaType");
    }

    @Test
    @DisplayName("application/json with a charset parameter is accepted")
    void jsonWithCharset() {
        assertThat(postPlatform("application/json; charset=utf-8", json("name", unique("p"), "type", "cf")).status())
                .isEqualTo(201);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"GET, /", "GET, /v1", "GET, /v1/nothing", "GET, /v2/catalog", "GET, /v1/platforms/a/b",
            "POST, /v1/unknown", "GET, /v1/service_instances_x", "GET, /v1/signing_keys", "GET, /v1/signing_keys/k",
            "POST, /v1/signing_keys", "DELETE, /v1/signing_keys/k"})
    @DisplayName("an unknown route is 404, the stored but internal signing keys included")
    void unknownRoute(String method, String path) {
        assertError(admin.raw(method, path, "application/json", method.equals("GET") ? null : "{}".getBytes()),
                404, "NotFound");
    }

    @ParameterizedTest(name = "{0} {1} allows {2}")
    @CsvSource(delimiter = '|', value = {"PUT|/v1/platforms|GET, HEAD, POST, DELETE",
            "POST|/v1/platforms/x|GET, HEAD, PATCH, DELETE", "DELETE|/v1/service_offerings|GET, HEAD",
            "PUT|/v1/visibilities/x|GET, HEAD, PATCH, DELETE", "POST|/v1/info|GET, HEAD",
            "DELETE|/v1/monitor/health|GET, HEAD"})
    @DisplayName("a method a route does not have is 405 with an Allow header that lists HEAD wherever GET is")
    void methodNotAllowed(String method, String path, String allow) {
        ApiResponse response = admin.raw(method, path, "application/json", "{}".getBytes());

        assertError(response, 405, "MethodNotAllowed");
        assertThat(response.header("Allow")).hasValue(allow);
    }

    @Test
    @DisplayName("an X-Correlation-ID from the request is echoed, on success and on errors")
    void correlationIdEchoed() {
        assertThat(admin.withHeader("X-Correlation-ID", "corr-123").get("/v1/platforms").header("X-Correlation-ID"))
                .hasValue("corr-123");
        assertThat(admin.withHeader("X-Correlation-ID", "corr-456").get("/v1/nothing").header("X-Correlation-ID"))
                .hasValue("corr-456");
        assertThat(anonymous.withHeader("X-Correlation-ID", "corr-789").get("/v1/platforms")
                .header("X-Correlation-ID")).hasValue("corr-789");
    }

    @Test
    @DisplayName("without an X-Correlation-ID one is generated, different per request")
    void correlationIdGenerated() {
        String first = admin.get("/v1/platforms").header("X-Correlation-ID").orElseThrow();
        String second = anonymous.get("/v1/platforms").header("X-Correlation-ID").orElseThrow();

        assertThat(first).isNotBlank().isNotEqualTo(second);
    }

    @Test
    @DisplayName("an X-Correlation-ID with unsafe characters is replaced by a generated one")
    void unsafeCorrelationId() {
        String echoed = admin.withHeader("X-Correlation-ID", "bad id<script>").get("/v1/platforms")
                .header("X-Correlation-ID").orElseThrow();

        assertThat(echoed).isNotBlank().doesNotContain("<").doesNotContain(" ");
    }

    @Test
    @DisplayName("responses are JSON with Content-Type application/json")
    void contentType() {
        assertThat(admin.get("/v1/platforms").header("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/json"));
        assertThat(admin.get("/v1/nothing").header("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/json"));
    }

    @Test
    @DisplayName("every error answer carries the X-Correlation-ID too")
    void correlationIdOnEveryError() {
        ApiClient traced = admin.withHeader("X-Correlation-ID", "trace-me");

        assertThat(traced.get("/v1/nothing").header("X-Correlation-ID")).hasValue("trace-me");
        assertThat(traced.raw("PUT", "/v1/platforms", "application/json", "{}".getBytes())
                .header("X-Correlation-ID")).hasValue("trace-me");
        assertThat(traced.raw("POST", "/v1/platforms", "text/plain", "{}".getBytes()).header("X-Correlation-ID"))
                .hasValue("trace-me");
        assertThat(traced.post("/v1/platforms", "[]").header("X-Correlation-ID")).hasValue("trace-me");
        assertThat(traced.withCredentials("admin", "wrong").get("/v1/platforms").header("X-Correlation-ID"))
                .hasValue("trace-me");
    }

    @Test
    @DisplayName("a body that is not valid UTF-8 is 400")
    void invalidUtf8() {
        byte[] body = {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};

        assertError(admin.raw("POST", "/v1/platforms", "application/json", body), 400, "BadRequest");
    }

    @Test
    @DisplayName("HEAD on a GET resource answers like GET, without a body")
    void head() {
        String answer = org.servicemanager.test.http.SlowClients.exchange("127.0.0.1", port(),
                "HEAD /v1/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", java.time.Duration.ofSeconds(5));

        assertThat(answer).startsWith("HTTP/1.1 200").containsIgnoringCase("X-Correlation-ID:");
        assertThat(answer.substring(answer.indexOf("\r\n\r\n") + 4)).isEmpty();
    }

    @Test
    @DisplayName("HEAD straight to the core (ServiceManager.handle) answers like GET: same headers, "
            + "Content-Length of the GET body, no body")
    void headThroughTheCore() {
        SmResponse get = server.sm().handle(SmRequest.builder("GET", "/v1/info").build());
        SmResponse head = server.sm().handle(SmRequest.builder("HEAD", "/v1/info").build());

        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.header("Content-Length")).hasValue(Integer.toString(get.body().length));
        assertThat(head.header("Content-Type")).isEqualTo(get.header("Content-Type"));
    }

    @Test
    @DisplayName("HEAD straight to the core on an unknown path is 404 like GET, without a body")
    void headNotFound() {
        SmResponse get = server.sm().handle(SmRequest.builder("GET", "/v1/nothing").build());
        SmResponse head = server.sm().handle(SmRequest.builder("HEAD", "/v1/nothing").build());

        assertThat(head.status()).isEqualTo(404);
        assertThat(head.body()).isEmpty();
        assertThat(head.header("Content-Length")).hasValue(Integer.toString(get.body().length));
    }

    private int port() {
        return java.net.URI.create(server.baseUrl()).getPort();
    }
}
