package org.servicemanager.brokerproxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.proxy.BrokerRegistration;
import org.servicemanager.proxy.PlanAccess;
import org.servicemanager.proxy.cf.fake.FakeCloudFoundry;
import org.servicemanager.proxy.memory.InMemoryPlatform;
import org.servicemanager.servlet.ServiceManagerServlet;
import org.servicemanager.test.broker.BrokerStub;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.test.junit.ServiceManagerExtension;
import org.servicemanager.test.junit.ServiceManagerRuntimeInfo;

/**
 * The configured proxy, in memory mode, against a real Service Manager: sm-core over the memory
 * store, served by Jetty 12 with the servlet and Jakarta WebSocket (the notification stream), all
 * on loopback.
 */
@DisplayName("BrokerProxyMain")
class BrokerProxyMainTest {
    private static final String ADMIN_PASSWORD = "admin-secret";
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** The Service Manager and the broker stub; the test serves it in Jetty, for the notification WebSocket. */
    @RegisterExtension
    ServiceManagerExtension fixture = ServiceManagerExtension.newInstance().adminUser("admin", ADMIN_PASSWORD)
            .http(false).build();

    private Server jetty;
    private String baseUrl;
    private ApiClient admin;
    private BrokerStub broker;

    @BeforeEach
    void startServiceManager(ServiceManagerRuntimeInfo info) throws Exception {
        ServiceManager sm = info.serviceManager();
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder servlet = new ServletHolder(new ServiceManagerServlet(sm));
        servlet.setAsyncSupported(true);
        context.addServlet(servlet, "/*");
        JakartaWebSocketServletContainerInitializer.configure(context, null);
        jetty.setHandler(context);
        jetty.start();
        baseUrl = "http://127.0.0.1:" + connector.getLocalPort();
        admin = new ApiClient(baseUrl).withCredentials("admin", ADMIN_PASSWORD);
        broker = info.brokerStub().withBasicAuth("broker-user", "broker-pass");
    }

    @AfterEach
    void stop() throws Exception {
        jetty.stop();
    }

    @Test
    @DisplayName("in memory mode it registers a broker as sm-<name> at <SM>/v1/osb/<id> once a visibility lets the "
            + "platform see a plan, with that plan open to everyone")
    void replicatesBrokerAndVisibility() throws Exception {
        JsonNode platform = ok(admin.post("/v1/platforms", "{\"name\":\"demo-platform\",\"type\":\"cloudfoundry\"}"), 201);
        String platformUser = platform.at("/credentials/basic/username").asText();
        String platformPassword = platform.at("/credentials/basic/password").asText();
        String brokerId = ok(admin.post("/v1/service_brokers", "{\"name\":\"demo\",\"broker_url\":\"" + broker.url()
                + "\",\"credentials\":{\"basic\":{\"username\":\"broker-user\",\"password\":\"broker-pass\"}}}"), 201)
                .get("id").asText();

        ProxyConfig config = ProxyConfig.fromEnvironment(Map.of("SM_URL", baseUrl, "SM_PLATFORM_USERNAME", platformUser,
                "SM_PLATFORM_PASSWORD", platformPassword));
        try (BrokerProxyMain.Running running = BrokerProxyMain.start(config)) {
            InMemoryPlatform memory = running.memoryPlatform();
            assertThat(running.proxy().awaitResyncs(1, WAIT)).as("first resync within %s", WAIT).isTrue();
            assertThat(memory.brokers()).as("no plan is visible to the platform yet").isEmpty();

            String smallPlanId = ok(admin.get("/v1/service_plans?fieldQuery="
                    + ApiClient.encode("catalog_name eq 'small'")), 200).get("items").get(0).get("id").asText();
            ok(admin.post("/v1/visibilities", "{\"service_plan_id\":\"" + smallPlanId + "\",\"platform_id\":\""
                    + platform.get("id").asText() + "\"}"), 201);

            assertThat(poll(() -> memory.access("sm-demo", "small-id"))).contains(PlanAccess.everyone());
            assertThat(memory.plansOf("sm-demo")).as("the Service Manager's catalog shows the platform only visible plans")
                    .containsOnlyKeys("small-id");
            BrokerRegistration registration = memory.registration("sm-demo").orElseThrow();
            assertThat(registration.url()).isEqualTo(baseUrl + "/v1/osb/" + brokerId);
            assertThat(registration.username()).isEqualTo(platformUser);
            assertThat(SummarizingPlatform.summary(memory))
                    .isEqualTo("1 broker: sm-demo [small: everyone]");
        }
    }

    @Test
    @DisplayName("close() stops the proxy, disconnecting it, and may be called again")
    void closeTwice() throws Exception {
        JsonNode platform = ok(admin.post("/v1/platforms", "{\"name\":\"demo-platform\",\"type\":\"cloudfoundry\"}"), 201);
        BrokerProxyMain.Running running = BrokerProxyMain.start(ProxyConfig.fromEnvironment(Map.of("SM_URL", baseUrl,
                "SM_PLATFORM_USERNAME", platform.at("/credentials/basic/username").asText(),
                "SM_PLATFORM_PASSWORD", platform.at("/credentials/basic/password").asText())));
        assertThat(running.proxy().awaitResyncs(1, WAIT)).isTrue();
        assertThat(poll(() -> running.proxy().isConnected() ? Optional.of(true) : Optional.empty())).contains(true);

        running.close();
        running.close();
        running.awaitClosed(); // returns at once: closed

        assertThat(running.proxy().isConnected()).isFalse();
    }

    @Test
    @DisplayName("with PROXY_PLATFORM=cf it registers the broker in Cloud Foundry (UAA found from the API root) and "
            + "limits the plan to the organizations of the visibility")
    void cloudFoundry() throws Exception {
        try (FakeCloudFoundry cf = FakeCloudFoundry.start()) {
            cf.processingPolls(0); // jobs done at the first poll: no 2 s poll interval to wait for
            cf.organization("org-1", "org-one");
            JsonNode platform = ok(admin.post("/v1/platforms", "{\"name\":\"cf\",\"type\":\"cloudfoundry\"}"), 201);
            String brokerId = ok(admin.post("/v1/service_brokers", "{\"name\":\"demo\",\"broker_url\":\""
                    + broker.url() + "\",\"credentials\":{\"basic\":{\"username\":\"broker-user\","
                    + "\"password\":\"broker-pass\"}}}"), 201).get("id").asText();
            String smallPlanId = ok(admin.get("/v1/service_plans?fieldQuery="
                    + ApiClient.encode("catalog_name eq 'small'")), 200).get("items").get(0).get("id").asText();
            ok(admin.post("/v1/visibilities", "{\"service_plan_id\":\"" + smallPlanId + "\",\"platform_id\":\""
                    + platform.get("id").asText() + "\",\"labels\":{\"organization_guid\":[\"org-1\"]}}"), 201);

            ProxyConfig config = ProxyConfig.fromEnvironment(Map.of("SM_URL", baseUrl,
                    "SM_PLATFORM_USERNAME", platform.at("/credentials/basic/username").asText(),
                    "SM_PLATFORM_PASSWORD", platform.at("/credentials/basic/password").asText(),
                    "PROXY_PLATFORM", "cf", "CF_API_URL", cf.url(), "CF_CLIENT_ID", FakeCloudFoundry.CLIENT_ID,
                    "CF_CLIENT_SECRET", FakeCloudFoundry.CLIENT_SECRET));
            try (BrokerProxyMain.Running running = BrokerProxyMain.start(config)) {
                assertThat(running.memoryPlatform()).isNull();

                FakeCloudFoundry.Broker registered = poll(() -> cf.broker("sm-demo")).orElseThrow();
                assertThat(registered.url()).isEqualTo(baseUrl + "/v1/osb/" + brokerId);
                FakeCloudFoundry.Plan small = poll(() -> cf.plan(registered.guid(), "small-id")
                        .filter(p -> p.visibilityType().equals("organization"))).orElseThrow();
                assertThat(small.organizations()).containsExactly("org-1");
            }
        }
    }

    /** Polls until {@code probe} has a value, for at most {@link #WAIT}. */
    private static <T> Optional<T> poll(Supplier<Optional<T>> probe) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Optional<T> value = probe.get();
        while (value.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            value = probe.get();
        }
        return value;
    }

    private static JsonNode ok(ApiResponse response, int status) {
        assertThat(response.status()).as("%s", response).isEqualTo(status);
        return response.json();
    }
}
