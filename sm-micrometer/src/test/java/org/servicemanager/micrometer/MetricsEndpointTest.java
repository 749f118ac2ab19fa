package org.servicemanager.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.security.Role;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.ServiceManagerMetrics;
import org.servicemanager.core.jdk.SmHttpServer;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("ServiceManager.Builder.metrics and metricsEndpoint, over real HTTP")
class MetricsEndpointTest {
    private SmHttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private ApiClient start(ServiceManager.Builder builder) {
        server = SmHttpServer.start(builder.store(MemoryStore.create()).encryptionKey(new byte[32])
                .adminUser("admin", "admin-pw").user("reader", "reader-pw", Role.READ_ONLY).build(),
                new InetSocketAddress("127.0.0.1", 0));
        return new ApiClient(server.baseUrl());
    }

    @Test
    @DisplayName("GET /metrics answers the text with its content type to the admin and to a read-only operator")
    void operatorsRead() {
        ApiClient client = start(ServiceManager.builder().metricsEndpoint("text/plain; version=0.0.4", () -> "up 1\n"));

        ApiResponse admin = client.withCredentials("admin", "admin-pw").get("/metrics");
        ApiResponse reader = client.withCredentials("reader", "reader-pw").get("/metrics");

        assertThat(admin.status()).isEqualTo(200);
        assertThat(admin.body()).isEqualTo("up 1\n");
        assertThat(admin.header("Content-Type")).hasValue("text/plain; version=0.0.4");
        assertThat(reader.status()).isEqualTo(200);
    }

    @Test
    @DisplayName("GET /metrics refuses a caller without credentials (401)")
    void anonymousRefused() {
        ApiClient client = start(ServiceManager.builder().metricsEndpoint("text/plain", () -> "up 1\n"));

        assertThat(client.get("/metrics").status()).isEqualTo(401);
    }

    @Test
    @DisplayName("without metricsEndpoint there is no /metrics")
    void offByDefault() {
        ApiClient client = start(ServiceManager.builder().metrics(MicrometerMetrics.of(new SimpleMeterRegistry())));

        assertThat(client.withCredentials("admin", "admin-pw").get("/metrics").status()).isEqualTo(404);
    }

    @Test
    @DisplayName("a listener that throws does not change the answer: metrics are best effort")
    void throwingListener() {
        ApiClient client = start(ServiceManager.builder().metrics(new ServiceManagerMetrics() {
            @Override
            public void requestCompleted(String method, String route, int status, long nanos) {
                throw new IllegalStateException("broken listener");
            }
        }));

        assertThat(client.withCredentials("admin", "admin-pw").get("/v1/platforms").status()).isEqualTo(200);
    }
}
