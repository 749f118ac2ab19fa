package org.servicemanager.test.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.broker.RecordedRequest;

@DisplayName("ApiClient")
class ApiClientTest {
    private FakeBroker server;
    private ApiClient client;

    @BeforeEach
    void start() {
        server = FakeBroker.start();
        client = new ApiClient(server.url() + "/");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    @DisplayName("POST and PATCH send the JSON body with Content-Type application/json")
    void jsonBody() {
        client.post("/a", "{\"x\":1}");
        client.patch("/b", "{}");

        RecordedRequest post = server.requests().get(0);
        assertThat(post.method()).isEqualTo("POST");
        assertThat(post.header("Content-Type")).hasValue("application/json");
        assertThat(post.body()).isEqualTo("{\"x\":1}");
        assertThat(server.requests().get(1).method()).isEqualTo("PATCH");
    }

    @Test
    @DisplayName("withCredentials returns a copy that sends Basic credentials; the original sends none")
    void credentialsCopy() {
        ApiClient withCredentials = client.withCredentials("user", "pass");

        withCredentials.get("/x");
        client.get("/y");

        assertThat(server.requests().get(0).header("Authorization")).hasValue("Basic dXNlcjpwYXNz");
        assertThat(server.requests().get(1).header("Authorization")).isEmpty();
    }

    @Test
    @DisplayName("raw sends any method, content type and bytes, or none of them")
    void raw() {
        client.raw("PUT", "/r", "text/plain", "hi".getBytes(StandardCharsets.UTF_8));
        client.raw("DELETE", "/r", null, null);

        assertThat(server.requests().get(0).header("Content-Type")).hasValue("text/plain");
        assertThat(server.requests().get(0).body()).isEqualTo("hi");
        assertThat(server.requests().get(1).header("Content-Type")).isEmpty();
        assertThat(server.requests().get(1).body()).isEmpty();
    }

    @Test
    @DisplayName("the answer exposes status, lower-case headers, body text and parsed JSON")
    void response() {
        ApiResponse response = client.get("/v2/catalog");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers()).containsKey("content-type");
        assertThat(response.header("CONTENT-TYPE")).hasValue("application/json");
        assertThat(response.json().get("services").isArray()).isTrue();
        assertThat(client.get("/nothing").text("error")).isEqualTo("NotFound");
    }

    @Test
    @DisplayName("encode percent-encodes query values with %20 for spaces")
    void encode() {
        assertThat(ApiClient.encode("name eq 'a b'")).isEqualTo("name%20eq%20%27a%20b%27");

        client.get("/q?fieldQuery=" + ApiClient.encode("a eq 'x'"));
        assertThat(server.requests().get(0).query()).isEqualTo("fieldQuery=a%20eq%20%27x%27");
    }

    @Test
    @DisplayName("a path must start with a slash")
    void pathMustStartWithSlash() {
        assertThatThrownBy(() -> client.get("v1/x")).isInstanceOf(IllegalArgumentException.class);
    }
}
