package org.servicemanager.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.servicemanager.servlet.Container.Mount;
import org.servicemanager.test.broker.BrokerStub;
import org.servicemanager.test.broker.BrokerStub.OsbCall;
import org.servicemanager.test.junit.ServiceManagerExtension;
import org.servicemanager.test.junit.ServiceManagerRuntimeInfo;

/**
 * OSB calls forwarded to a slow broker run asynchronously in the servlet: with only a few
 * container threads, fast requests are answered while the provisions wait for the broker; in
 * each container the servlet is tested in.
 */
@ParameterizedClass(name = "in {0}")
@EnumSource(Container.class)
class ServiceManagerServletOsbTest {
    private static final int SLOW_PROVISIONS = 6;
    private static final int FAST_REQUESTS = 10;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Declared so that JUnit passes it to the class-invocation methods below, too. */
    @Parameter
    Container container;

    /** One Service Manager for the class; each container serves it with a broker stub of its own. */
    @RegisterExtension
    static ServiceManagerExtension fixture = ServiceManagerExtension.newInstance().http(false).build();

    private static Container.Running server;
    private static BrokerStub broker;
    private static String brokerId;
    private static String platform;

    @BeforeParameterizedClassInvocation
    static void start(Container container) throws Exception {
        ServiceManagerRuntimeInfo info = fixture.runtimeInfo();
        ServiceManagerRuntimeInfo.RegisteredBroker registered = info.registerBrokerStub("osb-broker-" + container);
        broker = registered.stub();
        brokerId = registered.id();
        info.makePlansVisible(brokerId);
        platform = info.registerPlatform("k8s-" + container).authorization();
        server = container.start(8, Mount.of("/", "/*", new ServiceManagerServlet(info.serviceManager())));
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        server.close();
    }

    @Test
    @DisplayName("provisions waiting for a slow broker hold no container thread, and all succeed")
    void slowProvisionsDoNotHoldThreads() throws Exception {
        JsonNode catalog = JSON.readTree(send(osb("/v2/catalog").GET().build()).body());
        String serviceId = catalog.at("/services/0/id").asText();
        String planId = catalog.at("/services/0/plans/0/id").asText();
        broker.delay(OsbCall.PROVISION, Duration.ofSeconds(1));
        broker.resetRequests();
        List<CompletableFuture<long[]>> provisions = new ArrayList<>();
        for (int i = 0; i < SLOW_PROVISIONS; i++) {
            provisions.add(timed(osb("/v2/service_instances/" + UUID.randomUUID())
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"service_id\":\"" + serviceId + "\",\"plan_id\":\""
                            + planId + "\",\"organization_guid\":\"-\",\"space_guid\":\"-\"}")).build()));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (provisionsReceived() < SLOW_PROVISIONS && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(provisionsReceived()).as("every provision reached the broker").isEqualTo(SLOW_PROVISIONS);

        List<CompletableFuture<long[]>> fast = new ArrayList<>();
        for (int i = 0; i < FAST_REQUESTS; i++) {
            fast.add(timed(HttpRequest.newBuilder(server.uri("/v1/info")).GET().build()));
        }
        List<long[]> fastDone = join(fast);
        List<long[]> slowDone = join(provisions);
        assertThat(fastDone).allSatisfy(r -> assertThat(r[0]).isEqualTo(200));
        assertThat(slowDone).allSatisfy(r -> assertThat(r[0]).isEqualTo(201));
        long lastFast = fastDone.stream().mapToLong(r -> r[1]).max().orElseThrow();
        long firstSlow = slowDone.stream().mapToLong(r -> r[1]).min().orElseThrow();
        assertThat(lastFast).as("the last fast answer came before the first provision's").isLessThan(firstSlow);
        broker.succeed(OsbCall.PROVISION);
    }

    private static int provisionsReceived() {
        return broker.server().countRequestsMatching(OsbCall.PROVISION.requested().build()).getCount();
    }

    private static HttpRequest.Builder osb(String path) {
        return HttpRequest.newBuilder(server.uri("/v1/osb/" + brokerId + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", platform).header("X-Broker-API-Version", "2.17");
    }

    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static CompletableFuture<long[]> timed(HttpRequest request) {
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> new long[] {response.statusCode(), System.nanoTime()});
    }

    private static List<long[]> join(List<CompletableFuture<long[]>> futures) throws Exception {
        List<long[]> result = new ArrayList<>();
        for (CompletableFuture<long[]> future : futures) {
            result.add(future.get(30, TimeUnit.SECONDS));
        }
        return result;
    }

}
