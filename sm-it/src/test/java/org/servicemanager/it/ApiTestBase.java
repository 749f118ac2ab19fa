package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * Starts one Service Manager per test class (hashing the admin password takes a while) and offers
 * the steps most tests share. Tests keep to their own data: every name is made unique.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ApiTestBase {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final AtomicInteger COUNTER = new AtomicInteger();

    SmServer server;
    ApiClient admin;
    ApiClient anonymous;
    private final List<AutoCloseable> resources = new ArrayList<>();

    /** Lets a class configure its Service Manager. */
    void configure(ServiceManager.Builder builder) {
    }

    @BeforeAll
    void startServer() {
        server = SmServer.start(this::configure);
        admin = server.admin();
        anonymous = server.anonymous();
    }

    @AfterAll
    void stopServer() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        server.close();
    }

    /** A name no other test uses. */
    static String unique(String prefix) {
        return prefix + "-" + COUNTER.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A JSON object from alternating keys and values (values: strings, numbers, booleans, null, maps, lists). */
    static String json(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        try {
            return MAPPER.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    static String q(String value) {
        return ApiClient.encode(value);
    }

    /** A fake broker closed with the class. */
    FakeBroker broker() {
        FakeBroker broker = FakeBroker.start();
        resources.add(broker);
        return broker;
    }

    JsonNode createPlatform(String name) {
        ApiResponse response = admin.post("/v1/platforms", json("name", name, "type", "cloudfoundry"));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json();
    }

    JsonNode createPlatform() {
        return createPlatform(unique("platform"));
    }

    /** A client with the credentials from a platform's registration answer. */
    ApiClient platformClient(JsonNode created) {
        return anonymous.withCredentials(created.at("/credentials/basic/username").asText(),
                created.at("/credentials/basic/password").asText());
    }

    /** Registers {@code broker} (with its current catalog) under a unique name; no broker credentials needed. */
    JsonNode registerBroker(FakeBroker broker) {
        return registerBroker(broker, unique("broker"));
    }

    JsonNode registerBroker(FakeBroker broker, String name) {
        ApiResponse response = admin.post("/v1/service_brokers", brokerBody(name, broker.url()));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json();
    }

    static String brokerBody(String name, String url) {
        return json("name", name, "broker_url", url,
                "credentials", map("basic", map("username", "broker-user", "password", "broker-pass")));
    }

    /** All items of a listing (first page with max_items 500). */
    List<JsonNode> items(String pathAndQuery) {
        ApiResponse response = admin.get(pathAndQuery + (pathAndQuery.contains("?") ? "&" : "?") + "max_items=500");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        List<JsonNode> result = new ArrayList<>();
        response.json().get("items").forEach(result::add);
        return result;
    }

    List<JsonNode> plansOfBroker(String brokerId) {
        List<JsonNode> plans = new ArrayList<>();
        for (JsonNode offering : items("/v1/service_offerings?fieldQuery=" + q("broker_id eq '" + brokerId + "'"))) {
            plans.addAll(items("/v1/service_plans?fieldQuery="
                    + q("service_offering_id eq '" + offering.get("id").asText() + "'")));
        }
        return plans;
    }

    List<JsonNode> offeringsOfBroker(String brokerId) {
        return items("/v1/service_offerings?fieldQuery=" + q("broker_id eq '" + brokerId + "'"));
    }

    JsonNode createVisibility(String planId, String platformId) {
        ApiResponse response = admin.post("/v1/visibilities", json("service_plan_id", planId,
                "platform_id", platformId));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json();
    }

    static Set<String> ids(List<JsonNode> items) {
        Set<String> ids = new TreeSet<>();
        items.forEach(i -> ids.add(i.get("id").asText()));
        return ids;
    }

    static Set<String> ids(JsonNode listing) {
        Set<String> ids = new TreeSet<>();
        listing.get("items").forEach(i -> ids.add(i.get("id").asText()));
        return ids;
    }

    static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    /** Asserts status and error code, and that the body is exactly {error, description}. */
    static void assertError(ApiResponse response, int status, String error) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        JsonNode body = response.json();
        assertThat(body.get("error").asText()).as(response.body()).isEqualTo(error);
        assertThat(fieldNames(body)).containsExactly("description", "error");
        assertThat(body.get("description").asText()).isNotBlank();
    }

    static String description(ApiResponse response) {
        return response.json().get("description").asText();
    }

    /** A port nothing listens on (bound once, then released). */
    static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
