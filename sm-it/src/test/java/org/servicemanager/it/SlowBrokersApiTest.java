package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("many registrations waiting for slow brokers at once")
class SlowBrokersApiTest extends ApiTestBase {
    private static final int WAITING = 32;

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.brokerReadTimeout(Duration.ofSeconds(10));
    }

    @Test
    @DisplayName("do not stop the server from answering other requests")
    void slowBrokersDoNotStarveTheServer() throws Exception {
        FakeBroker broker = broker().delay(Duration.ofSeconds(2));
        // The first admin request verifies the password hash (slow on purpose); do it before the burst.
        assertThat(admin.get("/v1/platforms").status()).isEqualTo(200);
        ExecutorService pool = Executors.newFixedThreadPool(WAITING);
        try {
            List<Future<ApiResponse>> registrations = new ArrayList<>();
            for (int i = 0; i < WAITING; i++) {
                String name = unique("slow");
                registrations.add(pool.submit(() -> admin.post("/v1/service_brokers", brokerBody(name, broker.url()))));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (broker.catalogCalls() < WAITING && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }

            long start = System.nanoTime();
            assertThat(admin.get("/v1/platforms").status()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));

            for (Future<ApiResponse> registration : registrations) {
                assertThat(registration.get().status()).isEqualTo(201);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
