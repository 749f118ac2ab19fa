package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("/v1/service_brokers with a broker read timeout of 500 ms and answers limited to 16 KiB")
class BrokerLimitsApiTest extends ApiTestBase {

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.brokerReadTimeout(Duration.ofMillis(500)).maxBrokerResponseBytes(16 * 1024);
    }

    @Test
    @DisplayName("a broker slower than the timeout is 504 BrokerTimeout, and nothing is stored")
    void slowBroker() {
        FakeBroker broker = broker().delay(Duration.ofSeconds(3));
        String name = unique("slow");

        long start = System.nanoTime();
        ApiResponse response = admin.post("/v1/service_brokers", brokerBody(name, broker.url()));

        assertError(response, 504, "BrokerTimeout");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(admin.get("/v1/service_brokers?fieldQuery=" + q("name eq '" + name + "'"))
                .json().get("num_items").asInt()).isZero();
    }

    @Test
    @DisplayName("a broker that answers within the timeout is registered")
    void brokerWithinTimeout() {
        FakeBroker broker = broker().delay(Duration.ofMillis(50));

        assertThat(admin.post("/v1/service_brokers", brokerBody(unique("quick"), broker.url())).status())
                .isEqualTo(201);
    }

    @Test
    @DisplayName("a refresh against a broker that became slow is 504 BrokerTimeout")
    void slowRefresh() {
        FakeBroker broker = broker();
        String id = registerBroker(broker).get("id").asText();
        broker.delay(Duration.ofSeconds(3));

        assertError(admin.patch("/v1/service_brokers/" + id, "{}"), 504, "BrokerTimeout");
    }

    @Test
    @DisplayName("a catalog larger than the answer limit is 502 BrokerError, and nothing is stored")
    void catalogTooLarge() {
        Catalogs.Offering offering = Catalogs.offering("huge");
        for (int i = 0; i < 300; i++) {
            offering.plan(Catalogs.plan("plan-" + i));
        }
        FakeBroker broker = broker().catalog(Catalogs.of(offering));
        String name = unique("huge");

        ApiResponse response = admin.post("/v1/service_brokers", brokerBody(name, broker.url()));

        assertError(response, 502, "BrokerError");
        assertThat(description(response)).contains(name);
        assertThat(admin.get("/v1/service_brokers?fieldQuery=" + q("name eq '" + name + "'"))
                .json().get("num_items").asInt()).isZero();
    }
}
