package org.servicemanager.storage.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.servicemanager.core.SmResponse;
import org.servicemanager.test.broker.BrokerStub;
import org.servicemanager.test.broker.BrokerStub.OsbCall;
import org.servicemanager.test.junit.ServiceManagerExtension;
import org.servicemanager.test.junit.ServiceManagerRuntimeInfo;

/**
 * A broker's answer holding what PostgreSQL cannot store (NUL, an unpaired surrogate) to a
 * provision the Service Manager makes as a platform: the operation records it without them, so the
 * caller gets the broker's 400 and not a 500 from the database, and no orphan mitigation starts.
 * No class-level {@code @DisplayName} (see {@link PostgresStoreContractTest}).
 */
class BrokerTextOnPostgresTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final PostgresDatabases DATABASES = new PostgresDatabases();

    /** One Service Manager for the class, on a fresh PostgreSQL database, called directly. */
    @RegisterExtension
    static ServiceManagerExtension fixture = ServiceManagerExtension.newInstance()
            .store(() -> JdbcStore.builder(DATABASES.fresh()).build())
            .configure(builder -> builder.encryptionKey(KEY))
            .http(false)
            .build();

    private static ServiceManagerRuntimeInfo sm;
    private static BrokerStub broker;
    private static String plan;

    @BeforeAll
    static void start(ServiceManagerRuntimeInfo info) {
        sm = info;
        broker = info.brokerStub().respond(OsbCall.PROVISION, 400,
                "{\"error\":\"Bad\\u0000Request\",\"description\":\"no\\u0000 such \\ud800thing\"}");
        String brokerId = info.registerBroker("fake", broker);
        info.makePlansVisible(brokerId);
        for (JsonNode p : call("GET", "/v1/service_plans", null, 200).get("items")) {
            if (p.get("catalog_name").asText().equals("small")) {
                plan = p.get("id").asText();
            }
        }
    }

    @AfterAll
    static void dropDatabases() {
        DATABASES.dropAll();
    }

    @Test
    @DisplayName("a synchronous provision the broker refuses with NUL in its description answers 400 with the "
            + "description cleaned, stores the failed operation, and sends no orphan mitigation")
    void refusedWithNul() {
        broker.resetRequests();

        SmResponse response = sm.handleAsAdmin("POST", "/v1/service_instances",
                "{\"name\": \"nul-db\", \"service_plan_id\": \"" + plan + "\"}");

        assertThat(response.status()).as(response.bodyAsString()).isEqualTo(400);
        assertThat(response.bodyAsString()).contains("no such thing");
        JsonNode ops = call("GET", "/v1/operations", null, 200).get("items");
        assertThat(ops).anySatisfy(op -> {
            assertThat(op.get("state").asText()).isEqualTo("failed");
            assertThat(op.at("/errors/0/error").asText()).isEqualTo("BadRequest");
            assertThat(op.at("/errors/0/description").asText()).isEqualTo("no such thing");
        });
        broker.verify(0, OsbCall.DEPROVISION.requested());
        assertThat(call("GET", "/v1/service_instances", null, 200).get("items")).isEmpty();
    }

    private static JsonNode call(String method, String path, String body, int expected) {
        SmResponse response = sm.handleAsAdmin(method, path, body);
        assertThat(response.status()).as(method + " " + path + ": " + response.bodyAsString()).isEqualTo(expected);
        return new org.servicemanager.test.http.ApiResponse(response.status(), response.headers(),
                response.bodyAsString()).json();
    }
}
