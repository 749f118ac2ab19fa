package org.servicemanager.storage.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.broker.FakeOsbService;

/**
 * OSB bodies holding what PostgreSQL cannot store (NUL, refused in text and jsonb even as the
 * escape {@code \u0000}; an unpaired surrogate, which has no UTF-8 form) through a Service Manager
 * on PostgreSQL: a 400 naming the field, never a 500 from the database after the broker was called.
 * Driven through {@link ServiceManager#handle}. No class-level {@code @DisplayName} (see
 * {@link PostgresStoreContractTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OsbStorableTextOnPostgresTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final String ADMIN = "Basic " + base64("admin:s3cret");

    private final PostgresDatabases databases = new PostgresDatabases();
    private JdbcStore store;
    private ServiceManager sm;
    private FakeBroker broker;
    private String base;
    private String platform;

    @BeforeAll
    void start() {
        DataSource dataSource = databases.fresh();
        store = JdbcStore.builder(dataSource).build();
        sm = ServiceManager.builder().store(store).encryptionKey(KEY).adminUser("admin", "s3cret").build();
        broker = FakeBroker.start();
        FakeOsbService.install(broker);
        String brokerId = call("POST", "/v1/service_brokers", "{\"name\": \"fake\", \"broker_url\": \""
                + broker.url() + "\", \"credentials\": {\"basic\": {\"username\": \"u\", \"password\": \"p\"}}}", ADMIN,
                201).get("id").asText();
        for (JsonNode plan : call("GET", "/v1/service_plans", null, ADMIN, 200).get("items")) {
            call("POST", "/v1/visibilities", "{\"service_plan_id\": \"" + plan.get("id").asText() + "\"}", ADMIN, 201);
        }
        JsonNode created = call("POST", "/v1/platforms", "{\"name\": \"cf\", \"type\": \"cloudfoundry\"}", ADMIN, 201);
        platform = "Basic " + base64(created.at("/credentials/basic/username").asText() + ":"
                + created.at("/credentials/basic/password").asText());
        base = "/v1/osb/" + brokerId + "/v2/service_instances/";
    }

    @AfterAll
    void stop() throws Exception {
        broker.close();
        sm.close();
        store.close();
        databases.dropAll();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"a\\u0000b", "a\\ud800b"})
    @DisplayName("a provision whose context holds such a string is 400 naming the field, and leaves no record")
    void provision(String instanceName) {
        String id = "i-" + instanceName.hashCode();
        broker.clearRequests();

        SmResponse response = osb("PUT", base + id, provisionBody(instanceName));

        assertThat(response.status()).as(response.bodyAsString()).isEqualTo(400);
        assertThat(response.bodyAsString()).contains("\"error\"").contains("context.instance_name");
        assertThat(broker.requests(FakeOsbService.INSTANCE_PATH.replace("{instance_id}", id))).isEmpty();
        call("GET", "/v1/service_instances/" + id, null, ADMIN, 404);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain", "caf\u00e9 \\u00e9 \ud83d\ude00"})
    @DisplayName("a provision with storable strings is stored on PostgreSQL as it came")
    void storable(String instanceName) {
        String id = "ok-" + Integer.toHexString(instanceName.hashCode());

        SmResponse response = osb("PUT", base + id, provisionBody(instanceName));

        assertThat(response.status()).as(response.bodyAsString()).isEqualTo(201);
        JsonNode record = call("GET", "/v1/service_instances/" + id, null, ADMIN, 200);
        assertThat(record.at("/context/instance_name").asText())
                .isEqualTo(instanceName.replace("\\u00e9", "\u00e9"));
    }

    private static String provisionBody(String instanceName) {
        return "{\"service_id\": \"fake-service-id\", \"plan_id\": \"small-id\", \"context\": {\"platform\": "
                + "\"cloudfoundry\", \"organization_guid\": \"o\", \"space_guid\": \"s\", \"instance_name\": \""
                + instanceName + "\"}, \"parameters\": {}}";
    }

    private SmResponse osb(String method, String path, String body) {
        return sm.handle(SmRequest.builder(method, path).header("Authorization", platform)
                .header("X-Broker-API-Version", "2.17").jsonBody(body).build());
    }

    private JsonNode call(String method, String path, String body, String authorization, int expected) {
        SmRequest.Builder request = SmRequest.builder(method, path).header("Authorization", authorization);
        if (body != null) {
            request.jsonBody(body);
        }
        SmResponse response = sm.handle(request.build());
        assertThat(response.status()).as(method + " " + path + ": " + response.bodyAsString()).isEqualTo(expected);
        return new org.servicemanager.test.http.ApiResponse(response.status(), response.headers(),
                response.bodyAsString()).json();
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
