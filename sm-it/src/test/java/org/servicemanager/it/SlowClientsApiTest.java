package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.jdk.SmHttpServer;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.test.http.SlowClients;

@DisplayName("the JDK server with slow and oversized request bodies")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlowClientsApiTest {
    private ServiceManager sm;
    private SmHttpServer http;
    private ApiClient admin;

    @BeforeAll
    void start() {
        sm = ServiceManager.builder().store(new MemoryStore()).adminUser("admin", "admin-secret")
                .maxRequestBodyBytes(64 * 1024).build();
        http = SmHttpServer.start(sm, new InetSocketAddress("127.0.0.1", 0), Duration.ofSeconds(1));
        admin = new ApiClient(http.baseUrl()).withCredentials("admin", "admin-secret");
    }

    @AfterAll
    void stop() {
        http.close();
        sm.close();
    }

    @Test
    @DisplayName("40 connections trickling their bodies (more than the server has threads) do not stop it answering")
    void tricklingBodies() throws Exception {
        assertAnswersWhileTrickling(1_000);
    }

    @Test
    @DisplayName("40 connections trickling bodies over the limit get their 413 and do not stop the server answering")
    void tricklingBodiesOverTheLimit() throws Exception {
        assertAnswersWhileTrickling(100_000);
    }

    private void assertAnswersWhileTrickling(long declaredLength) throws Exception {
        try (SlowClients slow = SlowClients.trickleBodies("127.0.0.1", port(), "/v1/platforms", declaredLength, 40,
                Duration.ofMillis(200))) {
            Thread.sleep(300); // every server thread now has a slow body to deal with

            CompletableFuture<ApiResponse> created = CompletableFuture.supplyAsync(() -> admin.post("/v1/platforms",
                    ApiTestBase.json("name", ApiTestBase.unique("while-slow"), "type", "cf")));

            // Generous: slow bodies under the limit are dropped after their one-second deadline.
            ApiResponse response = created.get(20, TimeUnit.SECONDS);
            assertThat(response.status()).as("%s, with %d slow connections open", response.body(), slow.open())
                    .isEqualTo(201);
        }
    }

    @Test
    @DisplayName("a Content-Length over the limit is 413 at once, with the error body, though no body is sent")
    void hugeContentLength() {
        long start = System.nanoTime();
        String answer = SlowClients.exchange("127.0.0.1", port(), "POST /v1/platforms HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n", Duration.ofSeconds(10));

        assertThat(answer).startsWith("HTTP/1.1 413").contains("\"error\":\"PayloadTooLarge\"")
                .containsIgnoringCase("X-Correlation-ID:");
        // Well under the body deadline: nothing was waited for.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    private int port() {
        return URI.create(http.baseUrl()).getPort();
    }
}
