package org.servicemanager.storage.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.broker.Reply;

/**
 * A broker's answer holding what PostgreSQL cannot store (NUL, an unpaired surrogate) to a
 * provision the Service Manager makes as a platform: the operation records it without them, so the
 * caller gets the broker's 400 and not a 500 from the database, and no orphan mitigation starts.
 * No class-level {@code @DisplayName} (see {@link PostgresStoreContractTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokerTextOnPostgresTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final String ADMIN = "Basic " + Base64.getEncoder()
            .encodeToString("admin:s3cret".getBytes(StandardCharsets.UTF_8));

    private final PostgresDatabases databases = new PostgresDatabases();
    private JdbcStore store;
    private ServiceManager sm;
    private FakeBroker broker;
    private String plan;

    @BeforeAll
    void start() {
        DataSource dataSource = databases.fresh();
        store = JdbcStore.builder(dataSource).build();
        sm = ServiceManager.builder().store(store).encryptionKey(KEY).adminUser("admin", "s3cret").build();
        broker = FakeBroker.start().withoutAuth();
        broker.route("PUT", "/v2/service_instances/{instance_id}", request -> Reply.json(400,
                "{\"error\":\"Bad\\u0000Request\",\"description\":\"no\\u0000 such \\ud800thing\"}"));
        call("POST", "/v1/service_brokers", "{\"name\": \"fake\", \"broker_url\": \"" + broker.url()
                + "\", \"credentials\": {\"basic\": {\"username\": \"u\", \"password\": \"p\"}}}", 201);
        for (JsonNode p : call("GET", "/v1/service_plans", null, 200).get("items")) {
            if (p.get("catalog_name").asText().equals("small")) {
                plan = p.get("id").asText();
            }
        }
        call("POST", "/v1/visibilities", "{\"service_plan_id\": \"" + plan + "\"}", 201);
    }

    @AfterAll
    void stop() throws Exception {
        broker.close();
        sm.close();
        store.close();
        databases.dropAll();
    }

    @Test
    @DisplayName("a synchronous provision the broker refuses with NUL in its description answers 400 with the "
            + "description cleaned, stores the failed operation, and sends no orphan mitigation")
    void refusedWithNul() {
        broker.clearRequests();

        SmResponse response = sm.handle(SmRequest.builder("POST", "/v1/service_instances").header("Authorization",
                ADMIN).jsonBody("{\"name\": \"nul-db\", \"service_plan_id\": \"" + plan + "\"}").build());

        assertThat(response.status()).as(response.bodyAsString()).isEqualTo(400);
        assertThat(response.bodyAsString()).contains("no such thing");
        JsonNode ops = call("GET", "/v1/operations", null, 200).get("items");
        assertThat(ops).anySatisfy(op -> {
            assertThat(op.get("state").asText()).isEqualTo("failed");
            assertThat(op.at("/errors/0/error").asText()).isEqualTo("BadRequest");
            assertThat(op.at("/errors/0/description").asText()).isEqualTo("no such thing");
        });
        assertThat(broker.requests()).noneMatch(r -> r.method().equals("DELETE"));
        assertThat(call("GET", "/v1/service_instances", null, 200).get("items")).isEmpty();
    }

    private JsonNode call(String method, String path, String body, int expected) {
        SmRequest.Builder request = SmRequest.builder(method, path).header("Authorization", ADMIN);
        if (body != null) {
            request.jsonBody(body);
        }
        SmResponse response = sm.handle(request.build());
        assertThat(response.status()).as(method + " " + path + ": " + response.bodyAsString()).isEqualTo(expected);
        return new org.servicemanager.test.http.ApiResponse(response.status(), response.headers(),
                response.bodyAsString()).json();
    }
}
