package org.servicemanager.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.store.Store;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.broker.FakeOsbService;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

@DisplayName("The starter in a Spring Boot application without a DataSource, over real HTTP")
@SpringBootTest(classes = HostApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "spring.autoconfigure.exclude=org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
                "servicemanager.users.admin.password=admin-secret",
                "servicemanager.users.viewer.password=viewer-secret",
                "servicemanager.users.viewer.role=read-only"})
class MemoryStoreStarterTest {
    private static FakeBroker broker;
    private static FakeOsbService osb;

    @LocalServerPort
    int port;

    @Autowired
    Store store;

    private ApiClient anonymous;
    private ApiClient admin;

    @BeforeAll
    static void startBroker() {
        broker = FakeBroker.start();
        osb = FakeOsbService.install(broker);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @BeforeEach
    void clients() {
        anonymous = new ApiClient("http://127.0.0.1:" + port + "/sm");
        admin = anonymous.withCredentials("admin", "admin-secret");
    }

    @Test
    @DisplayName("the Service Manager is mounted at /sm by default and GET /v1/info answers")
    void info() {
        ApiResponse response = anonymous.get("/v1/info");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    @Test
    @DisplayName("the API requires credentials: 401 without")
    void unauthenticated() {
        assertThat(anonymous.get("/v1/service_brokers").status()).isEqualTo(401);
    }

    @Test
    @DisplayName("the admin user from servicemanager.users gets in")
    void configuredAdmin() {
        ApiResponse response = admin.get("/v1/service_brokers");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    @Test
    @DisplayName("a read-only user from servicemanager.users may read but not write")
    void readOnlyUser() {
        ApiClient viewer = anonymous.withCredentials("viewer", "viewer-secret");
        assertThat(viewer.get("/v1/service_brokers").status()).isEqualTo(200);
        assertThat(viewer.post("/v1/service_brokers", "{\"name\":\"x\",\"broker_url\":\"" + broker.url() + "\"}")
                .status()).isEqualTo(403);
    }

    @Test
    @DisplayName("without a DataSource the store is a memory store")
    void memoryStore() {
        assertThat(store).isInstanceOf(MemoryStore.class);
    }

    @Test
    @DisplayName("the application's own endpoints still answer next to the mount")
    void hostEndpoint() {
        ApiResponse response = new ApiClient("http://127.0.0.1:" + port).get("/hello");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello from the host");
    }

    @Test
    @DisplayName("a registered broker's plan is provisioned through the API, reaching the broker")
    void registerAndProvision() {
        String brokerName = "broker-" + UUID.randomUUID();
        ApiResponse registered = admin.post("/v1/service_brokers",
                "{\"name\":\"" + brokerName + "\",\"broker_url\":\"" + broker.url() + "\","
                        + "\"credentials\":{\"basic\":{\"username\":\"u\",\"password\":\"p\"}}}");
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);
        String brokerId = registered.text("id");

        ApiResponse plans = admin.get("/v1/service_plans?fieldQuery=" + ApiClient.encode("name eq 'small'"));
        assertThat(plans.status()).as(plans.body()).isEqualTo(200);
        String planId = null;
        for (JsonNode plan : plans.json().get("items")) {
            String offering = plan.get("service_offering_id").asText();
            if (admin.get("/v1/service_offerings/" + offering).text("broker_id").equals(brokerId)) {
                planId = plan.get("id").asText();
            }
        }
        assertThat(planId).as(plans.body()).isNotNull();
        ApiResponse visibility = admin.post("/v1/visibilities",
                "{\"service_plan_id\":\"" + planId + "\",\"platform_id\":\"service-manager\"}");
        assertThat(visibility.status()).as(visibility.body()).isEqualTo(201);

        ApiResponse instance = admin.post("/v1/service_instances",
                "{\"name\":\"orders-db\",\"service_plan_id\":\"" + planId + "\"}");
        assertThat(instance.status()).as(instance.body()).isEqualTo(201);
        assertThat(osb.instanceIds()).contains(instance.text("id"));
    }

    @Test
    @DisplayName("the notifications WebSocket is upgraded in Spring Boot's embedded Tomcat")
    void notificationsWebSocket() throws Exception {
        ApiResponse platform = admin.post("/v1/platforms",
                "{\"name\":\"cf-" + UUID.randomUUID() + "\",\"type\":\"cloudfoundry\"}");
        assertThat(platform.status()).as(platform.body()).isEqualTo(201);
        JsonNode basic = platform.json().path("credentials").path("basic");
        String authorization = "Basic " + Base64.getEncoder().encodeToString(
                (basic.get("username").asText() + ":" + basic.get("password").asText()).getBytes(StandardCharsets.UTF_8));
        CompletableFuture<Void> opened = new CompletableFuture<>();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Authorization", authorization)
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/sm/v1/notifications"), new WebSocket.Listener() {
                    @Override
                    public void onOpen(WebSocket webSocket) {
                        opened.complete(null);
                        webSocket.request(1);
                    }
                })
                .get(10, TimeUnit.SECONDS);
        try {
            opened.get(10, TimeUnit.SECONDS);
            assertThat(socket.isInputClosed()).isFalse();
        } finally {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        }
    }
}
