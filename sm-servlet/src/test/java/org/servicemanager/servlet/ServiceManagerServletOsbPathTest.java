package org.servicemanager.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.broker.FakeOsbService;
import org.servicemanager.test.broker.RecordedRequest;

/**
 * The path a platform's OSB call reaches the broker at, through Jetty and the servlet mounted
 * under {@code /sm}: whatever the client's spelling, the broker gets the routed path, and an
 * id that cannot be forwarded as it was checked never reaches it. Jetty runs with lenient URI
 * compliance: by default it refuses encoded slashes, malformed UTF-8 and empty segments itself,
 * other containers (or a host's settings) may not, and then the Service Manager must. Tomcat runs
 * with encoded slashes passed through and URIs decoded as ISO-8859-1 (by default it refuses
 * malformed UTF-8 itself).
 */
@ParameterizedClass(name = "in {0}")
@EnumSource(Container.class)
class ServiceManagerServletOsbPathTest {
    private static final String ADMIN = basic("admin", "admin-pass");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Declared so that JUnit passes it to the class-invocation methods below, too. */
    @Parameter
    Container container;

    private static ServiceManager sm;
    private static Container.Running jetty;
    private static FakeBroker broker;
    private static String brokerId;
    private static String platform;
    private static String provisionBody;

    @BeforeParameterizedClassInvocation
    static void start(Container container) throws Exception {
        broker = FakeBroker.start().withBasicAuth("u", "p");
        FakeOsbService.install(broker);
        sm = ServiceManager.builder().store(new MemoryStore())
                .adminUserWithHash("admin", ServiceManager.Builder.hashPassword("admin-pass")).build();
        jetty = container.startLenient(8, Container.Mount.of("/sm", "/*", new ServiceManagerServlet(sm)));

        JsonNode created = post("/sm/v1/platforms", "{\"name\":\"k8s\",\"type\":\"kubernetes\"}");
        platform = basic(created.at("/credentials/basic/username").asText(),
                created.at("/credentials/basic/password").asText());
        brokerId = post("/sm/v1/service_brokers", "{\"name\":\"osb-broker\",\"broker_url\":\"" + broker.url()
                + "\",\"credentials\":{\"basic\":{\"username\":\"u\",\"password\":\"p\"}}}").get("id").asText();
        JsonNode plan = JSON.readTree(HTTP.send(HttpRequest.newBuilder(jetty.uri("/sm/v1/service_plans"))
                .header("Authorization", ADMIN).build(), HttpResponse.BodyHandlers.ofString()).body())
                .at("/items/0");
        post("/sm/v1/visibilities", "{\"service_plan_id\":\"" + plan.get("id").asText() + "\"}");
        String offering = JSON.readTree(HTTP.send(HttpRequest.newBuilder(jetty.uri("/sm/v1/service_offerings/"
                + plan.get("service_offering_id").asText())).header("Authorization", ADMIN).build(),
                HttpResponse.BodyHandlers.ofString()).body()).get("catalog_id").asText();
        provisionBody = "{\"service_id\":\"" + offering + "\",\"plan_id\":\"" + plan.get("catalog_id").asText()
                + "\",\"organization_guid\":\"-\",\"space_guid\":\"-\"}";
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        jetty.close();
        broker.close();
        sm.store().close();
    }

    @BeforeEach
    void forget() {
        broker.clearRequests();
    }

    @Test
    @DisplayName("a trailing slash reaches neither the broker nor the record")
    void trailingSlash() throws Exception {
        String id = UUID.randomUUID().toString();

        String answer = put("/sm/v1/osb/" + brokerId + "/v2/service_instances/" + id + "/");

        assertThat(answer).startsWith("HTTP/1.1 201");
        assertThat(osbCalls()).containsExactly("PUT /v2/service_instances/" + id);
    }

    @Test
    @DisplayName("a doubled slash after the mount point does not shift what the broker receives")
    void doubledSlash() throws Exception {
        String id = UUID.randomUUID().toString();

        String answer = put("/sm//v1/osb/" + brokerId + "/v2/service_instances/" + id);

        assertThat(answer).startsWith("HTTP/1.1 201");
        assertThat(osbCalls()).containsExactly("PUT /v2/service_instances/" + id);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"a%2Fb", "a%FFb", "a%01b", "a%C3b"})
    @DisplayName("an instance id with '/', a control character or malformed UTF-8 is 400; the broker is not called")
    void badIds(String rawId) throws Exception {
        String answer = put("/sm/v1/osb/" + brokerId + "/v2/service_instances/" + rawId);

        assertThat(answer).startsWith("HTTP/1.1 400").contains("\"error\":\"BadRequest\"").contains("instance_id");
        assertThat(osbCalls()).isEmpty();
    }

    private static java.util.List<String> osbCalls() {
        return broker.requests().stream().filter(r -> !r.path().equals(FakeBroker.CATALOG_PATH))
                .map(RecordedRequest::toString).map(s -> s.replaceFirst("\\?.*", "")).toList();
    }

    /** A PUT with exactly this request target, over a plain socket: no client normalizes it. */
    private static String put(String target) throws Exception {
        URI base = jetty.uri("/");
        byte[] body = provisionBody.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("PUT " + target + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\nAuthorization: " + platform
                    + "\r\nX-Broker-API-Version: 2.17\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static JsonNode post(String path, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(jetty.uri(path))
                .header("Authorization", ADMIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JSON.readTree(response.body());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
