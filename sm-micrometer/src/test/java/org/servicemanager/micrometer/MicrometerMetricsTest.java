package org.servicemanager.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.servicemanager.test.broker.BrokerStub;
import org.servicemanager.test.broker.BrokerStub.OsbCall;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.test.junit.ServiceManagerExtension;
import org.servicemanager.test.junit.ServiceManagerRuntimeInfo;

@DisplayName("MicrometerMetrics over real HTTP calls")
class MicrometerMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** One Service Manager per test, reporting to this test's registry. */
    @RegisterExtension
    ServiceManagerExtension sm = ServiceManagerExtension.newInstance()
            .configure(builder -> builder.metrics(MicrometerMetrics.of(registry)))
            .build();

    private ServiceManagerRuntimeInfo info;
    private BrokerStub broker;
    private ApiClient admin;

    @BeforeEach
    void start(ServiceManagerRuntimeInfo info) {
        this.info = info;
        broker = info.brokerStub();
        admin = info.admin();
    }

    private String registerBroker(String name) {
        return info.registerBroker(name, broker);
    }

    /** A platform's OSB client, with a visibility of the fake broker's plan small. */
    private ApiClient platformSeeingSmallPlan(String name) {
        JsonNode platform = admin.post("/v1/platforms", "{\"name\":\"" + name + "\",\"type\":\"cloudfoundry\"}")
                .json();
        String planId = null;
        for (JsonNode plan : admin.get("/v1/service_plans").json().get("items")) {
            if (plan.get("catalog_name").asText().equals("small")) {
                planId = plan.get("id").asText();
            }
        }
        ApiResponse visibility = admin.post("/v1/visibilities", "{\"service_plan_id\":\"" + planId
                + "\",\"platform_id\":\"" + platform.get("id").asText() + "\"}");
        assertThat(visibility.status()).as(visibility.body()).isEqualTo(201);
        return info.anonymous().withCredentials(platform.at("/credentials/basic/username").asText(),
                        platform.at("/credentials/basic/password").asText())
                .withHeader("X-Broker-API-Version", "2.17");
    }

    private Timer request(String method, String route, int status) {
        return registry.find(MicrometerMetrics.REQUESTS)
                .tags("method", method, "route", route, "status", Integer.toString(status)).timer();
    }

    private Timer brokerCall(String name, String operation, String outcome) {
        return registry.find(MicrometerMetrics.BROKER_CALLS)
                .tags("broker", name, "operation", operation, "outcome", outcome).timer();
    }

    @Test
    @DisplayName("times requests by route pattern, method and status, never by raw path")
    void requestsByRoute() {
        String id = registerBroker("b1");
        admin.get("/v1/service_brokers/" + id);
        admin.get("/v1/service_brokers/" + id);
        admin.get("/v1/service_brokers/no-such-id");

        assertThat(request("GET", "/v1/service_brokers/{id}", 200).count()).isEqualTo(2);
        assertThat(request("GET", "/v1/service_brokers/{id}", 404).count()).isEqualTo(1);
        assertThat(request("POST", "/v1/service_brokers", 201).count()).isEqualTo(1);
        assertThat(request("GET", "/v1/service_brokers/{id}", 200).totalTime(java.util.concurrent.TimeUnit.NANOSECONDS))
                .isPositive();
        assertThat(registry.find(MicrometerMetrics.REQUESTS).timers())
                .extracting(timer -> timer.getId().getTag("route"))
                .noneMatch(route -> route.contains(id) || route.contains("no-such-id"));
    }

    @Test
    @DisplayName("counts unauthenticated calls and paths without a route, under their status")
    void unauthenticatedAndUnmatched() {
        info.anonymous().get("/v1/platforms");
        admin.get("/v1/nothing-here/42");

        assertThat(request("GET", "/v1/platforms", 401).count()).isEqualTo(1);
        assertThat(request("GET", "unmatched", 404).count()).isEqualTo(1);
    }

    @Test
    @DisplayName("times broker calls by broker, operation and outcome, so errors show per broker")
    void brokerCallsAndErrors() {
        String id = registerBroker("good");
        broker.catalogFails(500, null, "the catalog is down");
        admin.patch("/v1/service_brokers/" + id, "{}");

        assertThat(brokerCall("good", "catalog", "success").count()).isEqualTo(1);
        assertThat(brokerCall("good", "catalog", "server_error").count()).isEqualTo(1);
    }

    @Test
    @DisplayName("tells an unreachable broker from one that answers")
    void unreachableBroker() throws IOException {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        ApiResponse refused = admin.post("/v1/service_brokers", "{\"name\":\"gone\",\"broker_url\":\"http://127.0.0.1:"
                + closedPort + "\",\"credentials\":{\"basic\":{\"username\":\"u\",\"password\":\"p\"}}}");

        assertThat(refused.status()).isNotEqualTo(201);
        assertThat(brokerCall("gone", "catalog", "unreachable").count()).isEqualTo(1);
    }

    @Test
    @DisplayName("names OSB operations forwarded for a platform, with the broker's error outcome")
    void forwardedOperation() {
        String brokerId = registerBroker("osb");
        ApiClient osb = platformSeeingSmallPlan("p1");

        broker.fail(OsbCall.PROVISION, 404, null, "no such route");
        osb.put("/v1/osb/" + brokerId + "/v2/service_instances/i1", "{\"service_id\":\"fake-service-id\","
                + "\"plan_id\":\"small-id\",\"organization_guid\":\"o\",\"space_guid\":\"s\"}");

        assertThat(brokerCall("osb", "provision", "client_error").count()).isEqualTo(1);
        assertThat(request("PUT", "/v1/osb/{broker_id}/v2/service_instances/{instance_id}", 404)).isNotNull();
    }

    @Test
    @DisplayName("exposes hit and miss counts and the size of every internal cache")
    void caches() {
        String brokerId = registerBroker("cached");
        ApiClient osb = platformSeeingSmallPlan("p2");
        assertThat(osb.get("/v1/osb/" + brokerId + "/v2/catalog").status()).isEqualTo(200);
        assertThat(osb.get("/v1/osb/" + brokerId + "/v2/catalog").status()).isEqualTo(200);

        List<String> caches = registry.find(MicrometerMetrics.CACHE_SIZE).gauges().stream()
                .map(gauge -> gauge.getId().getTag("cache")).toList();
        assertThat(caches).contains("osb.catalog", "osb.brokers", "auth.platforms");
        FunctionCounter hits = registry.find(MicrometerMetrics.CACHE_GETS).tags("cache", "osb.catalog", "result", "hit")
                .functionCounter();
        FunctionCounter misses = registry.find(MicrometerMetrics.CACHE_GETS)
                .tags("cache", "osb.catalog", "result", "miss").functionCounter();
        assertThat(hits.count()).isEqualTo(1);
        assertThat(misses.count()).isEqualTo(1);
        assertThat(registry.find(MicrometerMetrics.CACHE_SIZE).tags("cache", "osb.catalog").gauge().value())
                .isEqualTo(1);
        assertThat(registry.getMeters()).extracting(Meter::getId).isNotEmpty();
    }
}
