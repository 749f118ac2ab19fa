package org.servicemanager.test.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("FakeBroker")
class FakeBrokerTest {
    private FakeBroker broker;
    private ApiClient client;

    @BeforeEach
    void start() {
        broker = FakeBroker.start();
        client = new ApiClient(broker.url());
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    @DisplayName("serves the default catalog: one offering with two plans")
    void servesDefaultCatalog() {
        ApiResponse response = client.get("/v2/catalog");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Content-Type")).hasValue("application/json");
        assertThat(response.json().get("services")).hasSize(1);
        assertThat(response.json().at("/services/0/plans")).hasSize(2);
    }

    @Test
    @DisplayName("serves the catalog it was given")
    void servesGivenCatalog() {
        broker.catalog(Catalogs.of(Catalogs.offering("a").plan(Catalogs.plan("p")),
                Catalogs.offering("b").plan(Catalogs.plan("q"))));

        assertThat(client.get("/v2/catalog").json().findValuesAsText("name")).containsExactly("a", "p", "b", "q");
    }

    @Test
    @DisplayName("records method, path, query, lower-case headers and body of every request")
    void recordsRequests() {
        client.withHeader("X-Broker-API-Version", "2.17").post("/v2/catalog?x=1", "{\"a\":1}");

        RecordedRequest request = broker.requests().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/v2/catalog");
        assertThat(request.query()).isEqualTo("x=1");
        assertThat(request.headers()).containsKey("x-broker-api-version");
        assertThat(request.header("X-BROKER-API-VERSION")).hasValue("2.17");
        assertThat(request.body()).isEqualTo("{\"a\":1}");
    }

    @Test
    @DisplayName("with basic auth, rejects missing or other credentials with 401 and accepts the right ones")
    void basicAuth() {
        broker.withBasicAuth("user", "pass");

        assertThat(client.get("/v2/catalog").status()).isEqualTo(401);
        assertThat(client.withCredentials("user", "wrong").get("/v2/catalog").status()).isEqualTo(401);
        assertThat(client.withCredentials("user", "pass").get("/v2/catalog").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("with a bearer token, accepts only that token")
    void bearerToken() {
        broker.withBearerToken("t0k3n");

        assertThat(client.withAuthorization("Bearer other").get("/v2/catalog").status()).isEqualTo(401);
        assertThat(client.withAuthorization("Bearer t0k3n").get("/v2/catalog").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("respondWith makes every catalog call answer that status and body until reset")
    void respondWith() {
        broker.respondWith(500, "{\"description\":\"boom\"}");

        assertThat(client.get("/v2/catalog").status()).isEqualTo(500);
        assertThat(client.get("/v2/catalog").text("description")).isEqualTo("boom");
        broker.reset();
        assertThat(client.get("/v2/catalog").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("failNextCatalogCall affects only the next call")
    void failNext() {
        broker.failNextCatalogCall(Reply.error(503, "Unavailable", "later"));

        assertThat(client.get("/v2/catalog").status()).isEqualTo(503);
        assertThat(client.get("/v2/catalog").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("invalidJson answers 200 with a body that does not parse")
    void invalidJson() {
        broker.invalidJson();

        ApiResponse response = client.get("/v2/catalog");
        assertThat(response.status()).isEqualTo(200);
        assertThatThrownBy(response::json).isInstanceOf(AssertionError.class);
    }

    @Test
    @DisplayName("closeConnection drops the connection without an answer")
    void closeConnection() {
        broker.closeConnection();

        assertThatThrownBy(() -> client.get("/v2/catalog")).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    @DisplayName("a delayed catalog call does not hold up other requests")
    void delayDoesNotBlock() throws Exception {
        broker.delay(Duration.ofSeconds(3));
        Thread slow = new Thread(() -> client.get("/v2/catalog"));
        slow.start();
        Thread.sleep(100);

        long start = System.nanoTime();
        assertThat(client.get("/v2/other").status()).isEqualTo(404);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        slow.join();
    }

    @Test
    @DisplayName("a delayed catalog call answers only after the delay")
    void delayDelays() {
        broker.delay(Duration.ofMillis(300));

        long start = System.nanoTime();
        assertThat(client.get("/v2/catalog").status()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    @DisplayName("an unknown path answers 404 with an OSB error body")
    void unknownPath() {
        ApiResponse response = client.get("/v2/service_instances/x");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().has("description")).isTrue();
    }

    @Test
    @DisplayName("routes added to the table are served, with placeholders matching one segment")
    void customRoute() {
        broker.route("PUT", "/v2/service_instances/{id}", request -> Reply.json(201, "{}"));

        assertThat(client.put("/v2/service_instances/abc", "{}").status()).isEqualTo(201);
        assertThat(client.put("/v2/service_instances/abc/x", "{}").status()).isEqualTo(404);
        assertThat(client.get("/v2/service_instances/abc").status()).isEqualTo(405);
    }

    @Test
    @DisplayName("a delayed catalog call serves the catalog current at the time of the call")
    void delayServesCurrentCatalog() {
        broker.delay(Duration.ofMillis(10));
        broker.catalog(Catalogs.empty());

        assertThat(client.get("/v2/catalog").json().get("services")).isEmpty();
    }

    @Test
    @DisplayName("a negative delay is refused")
    void negativeDelay() {
        assertThatThrownBy(() -> broker.delay(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("requests(path) and catalogCalls count what reached one endpoint; clearRequests forgets them")
    void requestsByPath() {
        client.get("/v2/catalog");
        client.get("/v2/other");

        assertThat(broker.catalogCalls()).isEqualTo(1);
        assertThat(broker.requests("/v2/other")).hasSize(1);
        broker.clearRequests();
        assertThat(broker.requests()).isEmpty();
    }

    @Test
    @DisplayName("rejected requests are recorded too, so tests can see what credentials arrived")
    void recordsRejected() {
        broker.withBasicAuth("user", "pass");

        client.withCredentials("user", "nope").get("/v2/catalog");

        assertThat(broker.requests()).hasSize(1);
        assertThat(broker.requests().get(0).header("Authorization")).isPresent();
    }
}
