package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Notification;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.jdbc.JdbcStore;
import org.servicemanager.test.http.ApiResponse;
import org.slf4j.LoggerFactory;

/**
 * A broker's binding credentials (the fake broker puts a password unique to each binding in them)
 * are shown by the creating call and the single GET only: never in lists, operations,
 * notifications, log output or the store in clear. Runs on the JDBC store (H2) so that the raw
 * rows can be read; log output is what slf4j-simple (the test backend) writes to standard error
 * and standard output, captured while each test runs.
 */
@DisplayName("binding credentials never show outside the creating call and the single GET")
class CredentialsNeverShownTest extends PlatformApiTestBase {
    private final String url = "jdbc:h2:mem:sm-it-secrets-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    private LogCapture log;

    @Override
    void configure(ServiceManager.Builder builder) {
        super.configure(builder);
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL(url);
        dataSource.setUser("sa");
        builder.store(JdbcStore.builder(dataSource).build()).operationsPollInterval(Duration.ofMillis(50))
                .operationsRetryInterval(Duration.ofMillis(50));
    }

    @BeforeEach
    void capture() {
        log = LogCapture.start();
    }

    @AfterEach
    void restore() {
        log.close();
    }

    private String logs() {
        return log.text();
    }

    /** Every value of every row of every table of the store, as text. */
    private String rawStore() throws SQLException {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL(url);
        dataSource.setUser("sa");
        StringBuilder all = new StringBuilder();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery(
                    "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            assertThat(tables).isNotEmpty();
            for (String table : tables) {
                try (ResultSet rs = statement.executeQuery("SELECT * FROM \"" + table + "\"")) {
                    int columns = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        for (int i = 1; i <= columns; i++) {
                            all.append(rs.getString(i)).append('\n');
                        }
                    }
                }
            }
        }
        return all.toString();
    }

    private String provisioned() {
        ApiResponse response = admin.post("/v1/service_instances", json("name", unique("i"), "service_plan_id",
                stage.plan("small")));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json().get("id").asText();
    }

    private JsonNode settled(String location) {
        Instant deadline = Instant.now().plusSeconds(10);
        while (true) {
            ApiResponse response = admin.get(location);
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            if (!response.json().get("state").asText().equals("in progress")) {
                return response.json();
            }
            assertThat(Instant.now()).as("settled in time").isBefore(deadline);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Test
    @DisplayName("the capture sees what the logging backend writes (or the other assertions would prove nothing)")
    void captureWorks() {
        LoggerFactory.getLogger(CredentialsNeverShownTest.class).warn("capture-marker-{}", "x");
        assertThat(logs()).contains("capture-marker-x");
    }

    @Test
    @DisplayName("a synchronous bind shows the credentials in its answer and the single GET only: not in lists, operations, notifications, logs or the raw store")
    void synchronousBind() throws SQLException {
        String instanceId = provisioned();
        ApiResponse bound = admin.post("/v1/service_bindings", json("name", unique("b"), "service_instance_id",
                instanceId, "labels", java.util.Map.of("team", List.of("blue"))));
        assertThat(bound.status()).as(bound.body()).isEqualTo(201);
        String bindingId = bound.json().get("id").asText();
        String secret = stage.osb.passwordOf(bindingId).orElseThrow();
        assertThat(bound.body()).contains(secret);
        assertThat(admin.get("/v1/service_bindings/" + bindingId).body()).contains(secret);

        assertNowhereElse(bindingId, secret);
    }

    @Test
    @DisplayName("an asynchronous bind and its unbind leak the credentials nowhere either")
    void asynchronousBindAndUnbind() throws SQLException {
        String instanceId = provisioned();
        stage.osb.asynchronous(1);
        ApiResponse accepted = admin.post("/v1/service_bindings?async=true", json("name", unique("b"),
                "service_instance_id", instanceId));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        String location = accepted.header("Location").orElseThrow();
        assertThat(settled(location).get("state").asText()).isEqualTo("succeeded");
        String bindingId = location.split("/")[3];
        String secret = stage.osb.passwordOf(bindingId).orElseThrow();
        assertThat(admin.get("/v1/service_bindings/" + bindingId).body()).contains(secret);
        assertNowhereElse(bindingId, secret);

        stage.osb.synchronous();
        assertThat(admin.delete("/v1/service_bindings/" + bindingId).status()).isEqualTo(200);
        assertThat(logs()).doesNotContain(secret);
        assertThat(rawStore()).doesNotContain(secret);
    }

    private void assertNowhereElse(String bindingId, String secret) throws SQLException {
        assertThat(admin.get("/v1/service_bindings").body()).doesNotContain(secret);
        assertThat(admin.get("/v1/service_bindings?fieldQuery=" + q("id eq '" + bindingId + "'")).body())
                .doesNotContain(secret);
        assertThat(admin.get("/v1/service_bindings?labelQuery=" + q("team eq 'blue'")).body())
                .doesNotContain(secret);
        ApiResponse operations = admin.get("/v1/operations?fieldQuery=" + q("resource_id eq '" + bindingId + "'"));
        assertThat(operations.status()).isEqualTo(200);
        assertThat(operations.body()).doesNotContain(secret);
        for (JsonNode op : operations.json().get("items")) {
            assertThat(admin.get("/v1/service_bindings/" + bindingId + "/operations/" + op.get("id").asText())
                    .body()).doesNotContain(secret);
        }
        List<Notification> notifications = store().notifications().after(0, null, 100_000);
        assertThat(notifications.toString()).doesNotContain(secret);
        assertThat(store().repository(org.servicemanager.api.store.EntityTypes.SERVICE_BINDINGS).get(bindingId)
                .orElseThrow().credentials()).isNotNull().doesNotContain(secret);
        String raw = rawStore();
        assertThat(raw).as("the raw read sees the binding's row").contains(bindingId);
        assertThat(raw).doesNotContain(secret);
        assertThat(logs()).doesNotContain(secret);
    }
}
