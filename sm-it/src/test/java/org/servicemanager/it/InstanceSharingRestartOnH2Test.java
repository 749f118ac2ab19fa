package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.storage.jdbc.JdbcStore;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.broker.FakeOsbService;
import org.servicemanager.test.broker.RecordedRequest;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * Sharing survives a restart on the JDBC store: the shared flag and the reference's
 * {@code referenced_instance_id} come back from the database (the columns of migration V7), and a
 * bind on the reference after the restart still reaches the broker on the shared instance.
 */
@DisplayName("instance sharing across a restart (H2)")
class InstanceSharingRestartOnH2Test {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final byte[] KEY = new byte[32];

    private final FakeBroker broker = FakeBroker.start();
    private SmServer server;

    /** A database that outlives the stores on it. */
    DataSource database() {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:sm-sharing-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        dataSource.setUser("sa");
        return dataSource;
    }

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
        broker.close();
    }

    private SmServer start(DataSource dataSource) {
        return SmServer.start(b -> b.store(JdbcStore.builder(dataSource).build()).encryptionKey(KEY));
    }

    @Test
    @DisplayName("a shared instance and its reference come back after a restart, and the reference still binds on the shared instance")
    void survivesRestart() {
        broker.catalog(Catalogs.of(Catalogs.offering("sdb").plan(Catalogs.plan("shareable")
                .setJson("metadata", "{\"supportsInstanceSharing\":true}"))));
        FakeOsbService osb = FakeOsbService.install(broker);
        DataSource dataSource = database();
        server = start(dataSource);
        ApiClient admin = server.admin();
        String brokerId = created(admin.post("/v1/service_brokers", json("name", "b", "broker_url", broker.url(),
                "credentials", map("basic", map("username", "u", "password", "p"))))).get("id").asText();
        broker.withBasicAuth("u", "p");
        String referencePlan = null;
        for (JsonNode plan : admin.get("/v1/service_plans").json().get("items")) {
            created(admin.post("/v1/visibilities", json("service_plan_id", plan.get("id").asText())));
            if (plan.get("name").asText().equals("reference-instance")) {
                referencePlan = plan.get("catalog_id").asText();
            }
        }
        assertThat(referencePlan).isNotNull();
        JsonNode k = created(admin.post("/v1/platforms", json("name", "k", "type", "kubernetes")));
        JsonNode c = created(admin.post("/v1/platforms", json("name", "c", "type", "cloudfoundry")));
        String base = "/v1/osb/" + brokerId + "/v2/service_instances/";
        assertThat(osb(server, k).put(base + "shared-1", json("service_id", "sdb-id", "plan_id", "shareable-id",
                "context", map("platform", "kubernetes", "namespace", "ns"))).status()).isEqualTo(201);
        assertThat(admin.patch("/v1/service_instances/shared-1", json("shared", true)).status()).isEqualTo(200);
        ApiResponse reference = osb(server, c).put(base + "ref-1", json("service_id", "sdb-id", "plan_id",
                referencePlan, "context", map("platform", "cloudfoundry"), "parameters",
                map("referenced_instance_id", "shared-1")));
        assertThat(reference.status()).as(reference.body()).isEqualTo(201);
        server.close();

        server = start(dataSource);
        admin = server.admin();

        assertThat(admin.get("/v1/service_instances/shared-1").json().get("shared").asBoolean()).isTrue();
        assertThat(admin.get("/v1/service_instances/ref-1").json().get("referenced_instance_id").asText())
                .isEqualTo("shared-1");
        assertThat(admin.patch("/v1/service_instances/shared-1", json("shared", false)).status()).isEqualTo(400);
        broker.clearRequests();
        ApiResponse bound = osb(server, c).put(base + "ref-1/service_bindings/bind-1", json("service_id", "sdb-id",
                "plan_id", referencePlan, "context", map("platform", "cloudfoundry")));
        assertThat(bound.status()).as(bound.body()).isEqualTo(201);
        List<RecordedRequest> calls = broker.requests().stream()
                .filter(r -> !r.path().equals(FakeBroker.CATALOG_PATH)).toList();
        assertThat(calls).extracting(RecordedRequest::path)
                .containsExactly("/v2/service_instances/shared-1/service_bindings/bind-1");
        assertThat(osb.bindingIds()).contains("bind-1");
    }

    private static ApiClient osb(SmServer server, JsonNode platform) {
        return server.anonymous().withCredentials(platform.at("/credentials/basic/username").asText(),
                platform.at("/credentials/basic/password").asText()).withHeader("X-Broker-API-Version", "2.17");
    }

    private static JsonNode created(ApiResponse response) {
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json();
    }

    private static String json(Object... keysAndValues) {
        try {
            return MAPPER.writeValueAsString(map(keysAndValues));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
