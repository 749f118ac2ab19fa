package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The HTTP requests smctl (Peripli/service-manager-cli with golang.org/x/oauth2) sends, for tests
 * against the running server: {@code login} reads {@code GET /v1/info} without credentials, then
 * {@code <token_issuer_url>/.well-known/openid-configuration}, then POSTs the token request with the
 * form keys sorted and, when {@code token_basic_auth} is true (its default), first with
 * {@code Authorization: Basic base64(id:secret)} ({@code cf:} for the password flow) and, if that
 * fails, once more with the client in the body. Later commands send {@code Authorization: Bearer}
 * and {@code Content-Type: application/json}. Not thread-safe.
 */
final class Smctl {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final HttpClient http;
    private final String url;
    private final String clientId;
    private final String clientSecret;
    private String tokenEndpoint;
    private boolean basicAuth;
    /** x/oauth2 remembers which client authentication worked for a token URL; null: not known yet. */
    private Boolean basicWorked;
    private String accessToken;
    private String refreshToken;
    /** Every token request's answer, in order (for assertions on the fallback). */
    final List<HttpResponse<String>> tokenResponses = new ArrayList<>();

    private Smctl(HttpClient http, String url, String clientId, String clientSecret) {
        this.http = http;
        this.url = url;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
    }

    /** {@code smctl login -a URL -u USER -p PASSWORD}: client {@code cf}, no secret. */
    static Smctl passwordLogin(HttpClient http, String url, String user, String password) throws Exception {
        Smctl smctl = new Smctl(http, url, "cf", "");
        smctl.discover("");
        smctl.tokenRequest(new TreeMap<>(Map.of("grant_type", "password", "username", user, "password", password)));
        return smctl;
    }

    /** {@code smctl login -a URL --auth-flow client-credentials --client-id ID --client-secret SECRET}. */
    static Smctl clientCredentialsLogin(HttpClient http, String url, String id, String secret) throws Exception {
        Smctl smctl = new Smctl(http, url, id, secret);
        smctl.discover("?grant_type=client_credentials");
        smctl.tokenRequest(new TreeMap<>(Map.of("grant_type", "client_credentials")));
        return smctl;
    }

    /** What {@code GET /v1/info} answered without credentials, as smctl sends it. */
    static HttpResponse<String> info(HttpClient http, String url, String query) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url + "/v1/info" + query)).timeout(TIMEOUT)
                .header("Content-Type", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private void discover(String infoQuery) throws Exception {
        HttpResponse<String> info = info(http, url, infoQuery);
        assertThat(info.statusCode()).as("GET /v1/info: %s", info.body()).isEqualTo(200);
        JsonNode infoJson = JSON.readTree(info.body());
        assertThat(infoJson.path("token_issuer_url").isTextual()).as("token_issuer_url in %s", info.body()).isTrue();
        String issuer = infoJson.get("token_issuer_url").asText();
        // types.DefaultInfo: true when absent.
        basicAuth = !infoJson.has("token_basic_auth") || infoJson.get("token_basic_auth").asBoolean();
        HttpResponse<String> discovery = http.send(HttpRequest.newBuilder(
                URI.create(issuer + "/.well-known/openid-configuration")).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(discovery.statusCode()).as("discovery: %s", discovery.body()).isEqualTo(200);
        tokenEndpoint = JSON.readTree(discovery.body()).path("token_endpoint").asText();
        assertThat(tokenEndpoint).isNotEmpty();
    }

    /** The refresh smctl does once the access token is within 10 s of expiring. */
    Smctl refresh() throws Exception {
        assertThat(refreshToken).as("a refresh token from the login").isNotNull();
        tokenRequest(new TreeMap<>(Map.of("grant_type", "refresh_token", "refresh_token", refreshToken)));
        return this;
    }

    private void tokenRequest(TreeMap<String, String> form) throws Exception {
        HttpResponse<String> response;
        if (basicAuth && !Boolean.FALSE.equals(basicWorked)) {
            response = post(form, "Basic " + Base64.getEncoder().encodeToString((queryEscape(clientId) + ":"
                    + queryEscape(clientSecret)).getBytes(StandardCharsets.UTF_8)));
            if (response.statusCode() / 100 == 2) {
                basicWorked = true;
            } else if (basicWorked == null) {
                // AuthStyleAutoDetect: any failure is retried once with the client in the body.
                response = postInParams(form);
                if (response.statusCode() / 100 == 2) {
                    basicWorked = false;
                }
            }
        } else {
            response = postInParams(form);
        }
        if (response.statusCode() / 100 == 2) {
            JsonNode token = JSON.readTree(response.body());
            assertThat(token.path("access_token").asText()).as("access_token in %s", response.body()).isNotEmpty();
            accessToken = token.get("access_token").asText();
            if (token.hasNonNull("refresh_token")) { // an answer without one keeps the old (x/oauth2)
                refreshToken = token.get("refresh_token").asText();
            }
        }
    }

    private HttpResponse<String> postInParams(TreeMap<String, String> form) throws Exception {
        TreeMap<String, String> withClient = new TreeMap<>(form);
        withClient.put("client_id", clientId);
        if (!clientSecret.isEmpty()) {
            withClient.put("client_secret", clientSecret);
        }
        return post(withClient, null);
    }

    private HttpResponse<String> post(TreeMap<String, String> form, String authorization) throws Exception {
        StringBuilder body = new StringBuilder();
        form.forEach((k, v) -> body.append(body.length() == 0 ? "" : "&").append(queryEscape(k)).append('=')
                .append(queryEscape(v)));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(tokenEndpoint)).timeout(TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        tokenResponses.add(response);
        return response;
    }

    /** Go's url.QueryEscape: as form encoding ({@code +} for space). */
    private static String queryEscape(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The last token answer (the fallback's, if there was one). */
    HttpResponse<String> lastTokenResponse() {
        return tokenResponses.get(tokenResponses.size() - 1);
    }

    boolean loggedIn() {
        return accessToken != null;
    }

    String accessToken() {
        return accessToken;
    }

    String refreshToken() {
        return refreshToken;
    }

    /** A later command's call: {@code Authorization: Bearer}, {@code Content-Type: application/json}. */
    HttpResponse<String> call(String method, String pathAndQuery, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url + pathAndQuery)).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + accessToken)
                .header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code call}, then the answer's JSON, asserting the status. */
    JsonNode expect(int status, String method, String pathAndQuery, String json) throws Exception {
        HttpResponse<String> response = call(method, pathAndQuery, json);
        assertThat(response.statusCode()).as("%s %s: %s", method, pathAndQuery, response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    static String q(String fieldQuery) {
        return URLEncoder.encode(fieldQuery, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * smctl's commands after login, in order, each as it sends them: list-brokers, register-broker,
     * register-platform, marketplace, register-visibility (for the Service Manager's
     * own platform), provision (sync mode, with the zero-value fields its instance
     * type always carries), bind. The broker at {@code brokerUrl} serves the fake catalog
     * ({@code fake-service}, plan {@code small}) and synchronous provision and bind.
     */
    void commandsAfterLogin(String brokerUrl) throws Exception {
        expect(200, "GET", "/v1/service_brokers", null);
        JsonNode broker = expect(201, "POST", "/v1/service_brokers?async=false", "{\"name\":\"fake-broker\","
                + "\"broker_url\":\"" + brokerUrl + "\",\"description\":\"\",\"credentials\":{\"basic\":"
                + "{\"username\":\"broker-user\",\"password\":\"broker-pass\"}}}");
        expect(201, "POST", "/v1/platforms?async=false", "{\"name\":\"cf-eu\",\"type\":\"cloudfoundry\","
                + "\"description\":\"\"}");
        JsonNode offerings = expect(200, "GET", "/v1/service_offerings", null);
        assertThat(offerings.get("items")).hasSize(1);
        JsonNode offering = offerings.get("items").get(0);
        assertThat(offering.get("broker_id").asText()).isEqualTo(broker.get("id").asText());
        JsonNode plans = expect(200, "GET", "/v1/service_plans?fieldQuery="
                + q("service_offering_id eq '" + offering.get("id").asText() + "'"), null);
        expect(200, "GET", "/v1/service_brokers/" + offering.get("broker_id").asText(), null);
        String planId = null;
        for (JsonNode plan : plans.get("items")) {
            if (plan.get("catalog_name").asText().equals("small")) {
                planId = plan.get("id").asText();
            }
        }
        assertThat(planId).as("plan small in %s", plans).isNotNull();
        // register-visibility: the Service Manager provisions only plans visible to its own platform.
        expect(201, "POST", "/v1/visibilities?async=false", "{\"platform_id\":\"service-manager\","
                + "\"service_plan_id\":\"" + planId + "\"}");
        // provision: looks the offering and plan up by name, then POSTs.
        expect(200, "GET", "/v1/service_offerings?fieldQuery=" + q("name eq 'fake-service'"), null);
        JsonNode instance = expect(201, "POST", "/v1/service_instances?async=false", "{\"id\":\"\",\"name\":\"db-1\","
                + "\"service_plan_id\":\"" + planId + "\",\"shared\":false,\"ready\":false,\"usable\":false}");
        // bind: looks the instance up by name, then POSTs.
        expect(200, "GET", "/v1/service_instances?fieldQuery=" + q("name eq 'db-1'"), null);
        JsonNode binding = expect(201, "POST", "/v1/service_bindings?async=false", "{\"id\":\"\",\"name\":\"db-1-key\","
                + "\"service_instance_id\":\"" + instance.get("id").asText() + "\"}");
        assertThat(binding.path("credentials").isObject()).as("bind answers the credentials: %s", binding).isTrue();
    }
}
