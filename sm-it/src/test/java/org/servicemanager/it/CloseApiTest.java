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

    @Test
    @DisplayName("leaves no HTTP client selector thread once it is no longer referenced (Java 17 cannot close them)")
    void noHttpClientThreadsAfterClose() throws Exception {
        Set<Thread> started = startRegisterAndClose();

        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (started.stream().anyMatch(Thread::isAlive) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(200);
        }
        started.removeIf(thread -> !thread.isAlive());
        assertThat(started).as("selector threads still alive").isEmpty();
    }

    /** Starts a Service Manager, lets it call a broker, closes it: the selector threads that started. */
    private static Set<Thread> startRegisterAndClose() {
        // The test client's own HttpClient is static: started before the count, it is not counted.
        assertThat(new org.servicemanager.test.http.ApiClient("http://127.0.0.1").baseUrl()).isNotEmpty();
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        try (FakeBroker broker = FakeBroker.start(); SmServer server = SmServer.start()) {
            ApiResponse registered = server.admin().post("/v1/service_brokers",
                    ApiTestBase.brokerBody(ApiTestBase.unique("closing"), broker.url()));
            assertThat(registered.status()).as(registered.body()).isEqualTo(201);
        }
        Set<Thread> started = new HashSet<>(Thread.getAllStackTraces().keySet());
        started.removeAll(before);
        started.removeIf(thread -> !thread.getName().matches("HttpClient-\\d+-SelectorManager"));
        assertThat(started).as("selector threads the Service Manager started").isNotEmpty();
        return started;
    }
}
