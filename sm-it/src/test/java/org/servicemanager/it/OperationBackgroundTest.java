package org.servicemanager.it;

import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.core.internal.registry.PlatformOperations.Started;

/** The scheduler on its own threads, on the system clock, with a short poll interval. */
@DisplayName("operations engine: work in the background")
class OperationBackgroundTest extends EngineTestBase {

    @Override
    Clock nodeClock() {
        return Clock.systemUTC();
    }

    @Override
    Duration pollInterval() {
        return Duration.ofMillis(100);
    }

    @Override
    boolean background() {
        return true;
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Test
    @DisplayName("an asynchronous provision is polled by this node's timers until it succeeds")
    void pollsOnItsOwn() {
        ServiceInstance instance = newInstance(small);
        stub(put(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(202, "{}")));
        stub(get(urlPathEqualTo(instancePath(instance.id()) + "/last_operation"))
                .willReturn(json(200, "{\"state\":\"succeeded\"}")));

        Started started = engine.provision(instance, null, CALLER);

        await(() -> instance(instance.id()).map(ServiceInstance::ready).orElse(false));
        assertThat(operation(started.operation().id()).state()).isEqualTo(OperationState.SUCCEEDED);
    }

    @Test
    @DisplayName("orphan mitigation starts on its own after a failed provision")
    void mitigatesOnItsOwn() {
        ServiceInstance instance = newInstance(small);
        stub(put(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(500, "{}")));
        stub(delete(urlPathEqualTo(instancePath(instance.id()))).willReturn(json(200, "{}")));

        failure(engine.provision(instance, null, CALLER).settled());

        await(() -> instance(instance.id()).isEmpty());
        broker.verify(1, deleteRequestedFor(urlPathEqualTo(instancePath(instance.id()))));
    }

    @Test
    @DisplayName("synchronous provisions are never taken by the node's own scan while their call is in flight")
    void scanLeavesCallsInFlight() {
        stub(put(urlPathMatching("/v2/service_instances/[^/]+")).willReturn(json(201, "{}").withFixedDelay(150)));
        for (int i = 0; i < 5; i++) {
            // Names are unique among the Service Manager's instances, also for the engine itself.
            ServiceInstance instance = newInstance(small).withName("my-db-" + i);
            Started started = engine.provision(instance, null, CALLER);
            assertThat(settled(started.settled()).state()).isEqualTo(OperationState.SUCCEEDED);
            assertThat(instance(instance.id()).orElseThrow().ready()).isTrue();
        }
    }
}
