package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("ServiceManager.close()")
class CloseApiTest {

    @Test
    @DisplayName("leaves none of the threads its broker calls started: a redeployed web application leaks nothing")
    void noBrokerThreadsAfterClose() throws Exception {
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        Set<Thread> started;
        try (FakeBroker broker = FakeBroker.start()) {
            SmServer server = SmServer.start();
            try {
                ApiResponse registered = server.admin().post("/v1/service_brokers",
                        ApiTestBase.brokerBody(ApiTestBase.unique("closing"), broker.url()));
                assertThat(registered.status()).as(registered.body()).isEqualTo(201);
                started = new HashSet<>(Thread.getAllStackTraces().keySet());
                started.removeAll(before);
                started.removeIf(thread -> !thread.getName().startsWith("sm-broker-"));
                assertThat(started).as("threads the broker call started").isNotEmpty();
            } finally {
                server.close();
            }
        }

        for (Thread thread : started) {
            thread.join(5_000);
            assertThat(thread.isAlive()).as("%s after close()", thread.getName()).isFalse();
        }
    }
}
