package org.servicemanager.proxy.cf.fake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.broker.FakeBroker;

/** The fake's own behaviour where the platform's tests do not reach it, read over raw HTTP. */
@DisplayName("The fake Cloud Foundry")
class FakeCloudFoundryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private FakeCloudFoundry cf;
    private FakeBroker broker;

    @BeforeEach
    void start() {
        cf = FakeCloudFoundry.start().organization("org-1", "one").organization("org-2", "two");
        broker = FakeBroker.start();
    }

    @AfterEach
    void stop() {
        broker.close();
        cf.close();
    }

    private record Answer(int status, JsonNode body, HttpResponse<String> raw) {
    }

    private Answer call(String method, String path, String token, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : cf.url() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "bearer " + token);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        return new Answer(response.statusCode(), json, response);
    }

    private String token() throws IOException, InterruptedException {
        String basic = Base64.getEncoder().encodeToString((FakeCloudFoundry.CLIENT_ID + ":" + FakeCloudFoundry.CLIENT_SECRET)
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(cf.tokenUrl()))
                .header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("token_type").asText()).isEqualTo("bearer");
        assertThat(body.path("expires_in").asLong()).isEqualTo(3600);
        return body.path("access_token").asText();
    }

    @Test
    @DisplayName("refuses a call without a token with 401 CF-NotAuthenticated")
    void noToken() throws Exception {
        Answer answer = call("GET", "/v3/service_brokers", null, null);

        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.body().path("errors").get(0).path("title").asText()).isEqualTo("CF-NotAuthenticated");
        assertThat(answer.body().path("errors").get(0).path("code").asInt()).isEqualTo(10002);
    }

    @Test
    @DisplayName("paginates with total_results, total_pages and first, last, next and previous links keeping the filters")
    void pagination() throws Exception {
        for (int i = 0; i < 5; i++) {
            cf.registerBroker("b" + i, broker.url(), "u", "p");
        }
        String token = token();

        Answer second = call("GET", "/v3/service_brokers?per_page=2&page=2", token, null);

        JsonNode pagination = second.body().path("pagination");
        assertThat(pagination.path("total_results").asInt()).isEqualTo(5);
        assertThat(pagination.path("total_pages").asInt()).isEqualTo(3);
        assertThat(pagination.path("first").path("href").asText()).isEqualTo(cf.url() + "/v3/service_brokers?page=1&per_page=2");
        assertThat(pagination.path("last").path("href").asText()).isEqualTo(cf.url() + "/v3/service_brokers?page=3&per_page=2");
        assertThat(pagination.path("next").path("href").asText()).isEqualTo(cf.url() + "/v3/service_brokers?page=3&per_page=2");
        assertThat(pagination.path("previous").path("href").asText()).isEqualTo(cf.url() + "/v3/service_brokers?page=1&per_page=2");
        assertThat(second.body().path("resources")).extracting(r -> r.path("name").asText()).containsExactly("b2", "b3");
        Answer filtered = call("GET", "/v3/service_brokers?names=b1,b4&per_page=1", token, null);
        assertThat(filtered.body().path("pagination").path("next").path("href").asText()).endsWith("&names=b1%2Cb4");
        assertThat(call("GET", "/v3/service_brokers?per_page=5001", token, null).status()).isEqualTo(400);
    }

    @Test
    @DisplayName("answers a broker creation with 202 and a job that is PROCESSING, then COMPLETE after the catalog fetch")
    void jobs() throws Exception {
        String token = token();

        Answer created = call("POST", "/v3/service_brokers", token, "{\"name\":\"b\",\"url\":\"" + broker.url()
                + "\",\"authentication\":{\"type\":\"basic\",\"credentials\":{\"username\":\"u\",\"password\":\"p\"}}}");

        assertThat(created.status()).isEqualTo(202);
        String job = created.raw().headers().firstValue("Location").orElseThrow();
        assertThat(call("GET", job, token, null).body().path("state").asText()).isEqualTo("PROCESSING");
        assertThat(broker.catalogCalls()).isZero();
        JsonNode done = call("GET", job, token, null).body();
        assertThat(done.path("state").asText()).isEqualTo("COMPLETE");
        assertThat(done.path("links").path("service_brokers").path("href").asText())
                .isEqualTo(cf.url() + "/v3/service_brokers/" + cf.broker("b").orElseThrow().guid());
        assertThat(broker.catalogCalls()).isEqualTo(1);
        assertThat(cf.plans()).hasSize(2).allSatisfy(p -> assertThat(p.visibilityType()).isEqualTo("admin"));
    }

    @Test
    @DisplayName("appends organizations on POST visibility and replaces them on PATCH")
    void visibilityPostAndPatch() throws Exception {
        String brokerGuid = cf.registerBroker("b", broker.url(), "u", "p");
        String plan = cf.plans(brokerGuid).get(0).guid();
        String token = token();
        String path = "/v3/service_plans/" + plan + "/visibility";

        call("POST", path, token, "{\"type\":\"organization\",\"organizations\":[{\"guid\":\"org-1\"}]}");
        Answer appended = call("POST", path, token, "{\"type\":\"organization\",\"organizations\":[{\"guid\":\"org-2\"}]}");
        assertThat(appended.body().path("organizations")).extracting(o -> o.path("name").asText()).containsExactly("one", "two");

        call("PATCH", path, token, "{\"type\":\"organization\",\"organizations\":[{\"guid\":\"org-2\"}]}");
        assertThat(cf.plans(brokerGuid).get(0).organizations()).containsExactly("org-2");
    }

    @Test
    @DisplayName("fails a job with CF-ServiceBrokerApiUnreachable when the broker cannot be reached, keeping the broker")
    void unreachable() throws Exception {
        String token = token();
        String url = broker.url();
        broker.close();

        Answer created = call("POST", "/v3/service_brokers", token, "{\"name\":\"b\",\"url\":\"" + url
                + "\",\"authentication\":{\"type\":\"basic\",\"credentials\":{\"username\":\"u\",\"password\":\"p\"}}}");
        String job = created.raw().headers().firstValue("Location").orElseThrow();
        call("GET", job, token, null);
        JsonNode failed = call("GET", job, token, null).body();

        assertThat(failed.path("state").asText()).isEqualTo("FAILED");
        assertThat(failed.path("errors").get(0).path("title").asText()).isEqualTo("CF-ServiceBrokerApiUnreachable");
        assertThat(cf.broker("b").orElseThrow().state()).isEqualTo("SYNCHRONIZATION_FAILED");
    }

    @Test
    @DisplayName("lists a global broker with relationships.space.data null and a space-scoped one with its space's guid")
    void spaceRelationship() throws Exception {
        String global = cf.registerBroker("global", broker.url(), "u", "p");
        String scoped = cf.registerSpaceScopedBroker("scoped", broker.url(), "u", "p", "space-1");

        Answer answer = call("GET", "/v3/service_brokers", token(), null);

        assertThat(answer.status()).isEqualTo(200);
        JsonNode resources = answer.body().path("resources");
        assertThat(resources).hasSize(2);
        assertThat(resources.get(0).path("guid").asText()).isEqualTo(global);
        assertThat(resources.get(0).path("relationships").path("space").path("data").isNull()).isTrue();
        assertThat(resources.get(1).path("guid").asText()).isEqualTo(scoped);
        assertThat(resources.get(1).path("relationships").path("space").path("data").path("guid").asText())
                .isEqualTo("space-1");
    }
}
