package org.servicemanager.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

@DisplayName("servicemanager.* properties take effect over real HTTP")
@SpringBootTest(classes = HostApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "spring.autoconfigure.exclude=org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
                "servicemanager.path=/api/service-manager/",
                "servicemanager.users.admin.password=admin-secret",
                "servicemanager.broker.connect-timeout=2s",
                "servicemanager.broker.read-timeout=300ms",
                "servicemanager.max-request-body-size=2KB"})
class PropertiesStarterTest {
    @LocalServerPort
    int port;

    private ApiClient admin;

    @BeforeEach
    void client() {
        admin = new ApiClient("http://127.0.0.1:" + port + "/api/service-manager").withCredentials("admin", "admin-secret");
    }

    @Test
    @DisplayName("servicemanager.path mounts the API there (a trailing slash is ignored)")
    void path() {
        assertThat(admin.get("/v1/service_brokers").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("outside servicemanager.path the Service Manager does not answer")
    void notAtTheDefaultPath() {
        ApiClient atDefault = new ApiClient("http://127.0.0.1:" + port + "/sm").withCredentials("admin", "admin-secret");
        assertThat(atDefault.get("/v1/service_brokers").status()).isEqualTo(404);
    }

    @Test
    @DisplayName("links the Service Manager returns point back through servicemanager.path")
    void linksThroughThePath() {
        for (int i = 0; i < 2; i++) {
            ApiResponse platform = admin.post("/v1/platforms",
                    "{\"name\":\"p-" + UUID.randomUUID() + "\",\"type\":\"kubernetes\"}");
            assertThat(platform.status()).as(platform.body()).isEqualTo(201);
        }
        ApiResponse page = admin.get("/v1/platforms?max_items=1");
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        assertThat(page.header("Link")).get().asString().contains("/api/service-manager/v1/platforms");
    }

    @Test
    @DisplayName("servicemanager.broker.read-timeout bounds the wait for a slow broker")
    void readTimeout() {
        try (FakeBroker slow = FakeBroker.start().delay(Duration.ofSeconds(5))) {
            Instant start = Instant.now();
            ApiResponse response = admin.post("/v1/service_brokers", "{\"name\":\"slow-" + UUID.randomUUID()
                    + "\",\"broker_url\":\"" + slow.url() + "\",\"credentials\":{\"basic\":{\"username\":\"u\","
                    + "\"password\":\"p\"}}}");
            assertThat(response.status()).as(response.body()).isGreaterThanOrEqualTo(500);
            assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(4));
        }
    }

    @Test
    @DisplayName("servicemanager.max-request-body-size refuses a larger body with 413")
    void bodyLimit() {
        String big = "{\"name\":\"" + "x".repeat(3000) + "\",\"type\":\"kubernetes\"}";
        assertThat(admin.post("/v1/platforms", big).status()).isEqualTo(413);
    }

    @Test
    @DisplayName("a body within servicemanager.max-request-body-size is accepted")
    void bodyWithinLimit() {
        ApiResponse response = admin.post("/v1/platforms",
                "{\"name\":\"small-" + UUID.randomUUID() + "\",\"type\":\"kubernetes\"}");
        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }
}
