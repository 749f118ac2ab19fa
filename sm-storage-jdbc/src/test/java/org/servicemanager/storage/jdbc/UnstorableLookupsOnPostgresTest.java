package org.servicemanager.storage.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;

/**
 * Client text that is only looked up, never stored, on PostgreSQL: a NUL in it makes the driver
 * fail the statement, so it must be refused (or found to match nothing) before the store is asked,
 * never turned into a 500. Driven through {@link ServiceManager#handle}. No class-level
 * {@code @DisplayName} (see {@link PostgresStoreContractTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnstorableLookupsOnPostgresTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final String ADMIN = basic("admin:s3cret");

    private final PostgresDatabases databases = new PostgresDatabases();
    private JdbcStore store;
    private ServiceManager sm;

    @BeforeAll
    void start() {
        store = JdbcStore.builder(databases.fresh()).build();
        sm = ServiceManager.builder().store(store).encryptionKey(KEY).adminUser("admin", "s3cret").build();
    }

    @AfterAll
    void stop() throws Exception {
        sm.close();
        store.close();
        databases.dropAll();
    }

    @Test
    @DisplayName("Basic credentials whose user name holds NUL are 401, like any unknown user, not 500")
    void userNameWithNul() {
        SmResponse response = sm.handle(SmRequest.builder("GET", "/v1/service_brokers")
                .header("Authorization", basic("a\u0000b:guess")).build());

        assertThat(response.status()).as(response.bodyAsString()).isEqualTo(401);
        assertThat(response.bodyAsString()).contains("\"error\":\"Unauthorized\"");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"GET, /v1/service_brokers/a%00b", "DELETE, /v1/service_brokers/a%00b",
            "PATCH, /v1/service_brokers/a%00b", "GET, /v1/platforms/a%01b"})
    @DisplayName("a path id holding a control character is 400 naming the id, not 500")
    void pathIdWithControlCharacter(String method, String path) {
        SmRequest.Builder request = SmRequest.builder(method, path).header("Authorization", ADMIN);
        if (method.equals("PATCH")) {
            request.jsonBody("{}");
        }

        SmResponse response = sm.handle(request.build());

        assertThat(response.status()).as(response.bodyAsString()).isEqualTo(400);
        assertThat(response.bodyAsString()).contains("\"error\"").contains("id");
    }

    @ParameterizedTest(name = "{0} {1}?{2}")
    @CsvSource(delimiter = '|', value = {"GET|/v1/service_brokers|fieldQuery=name%20eq%20'a%00b'|fieldQuery",
            "GET|/v1/service_brokers|fieldQuery=name%20in%20('a%00b','c')|fieldQuery",
            "GET|/v1/service_instances|fieldQuery=platform_id%20ne%20'a%00b'|fieldQuery",
            "GET|/v1/service_plans|labelQuery=a%20eq%20'a%00b'|labelQuery",
            "GET|/v1/service_plans|labelQuery=a%00%20eq%20'b'|labelQuery",
            "DELETE|/v1/service_brokers|fieldQuery=name%20eq%20'a%00b'|fieldQuery"})
    @DisplayName("a query holding NUL is 400 naming the query, not 500")
    void queryWithNul(String method, String path, String query, String named) {
        SmResponse response = sm.handle(SmRequest.builder(method, path).query(query)
                .header("Authorization", ADMIN).build());

        assertThat(response.status()).as(response.bodyAsString()).isEqualTo(400);
        assertThat(response.bodyAsString()).contains("\"error\"").contains(named);
    }

    private static String basic(String userAndPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }
}
