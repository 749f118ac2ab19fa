package org.servicemanager.spring;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.BasicCredentials;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.store.Store;
import org.servicemanager.storage.jdbc.Dialect;
import org.servicemanager.storage.jdbc.JdbcStore;
import org.servicemanager.test.broker.BrokerStub;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

@DisplayName("The starter on the application's DataSource (embedded H2), over real HTTP")
@SpringBootTest(classes = HostApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "spring.datasource.url=jdbc:h2:mem:sm-spring-${random.uuid};DB_CLOSE_DELAY=-1",
                "servicemanager.users.admin.password=admin-secret",
                // base64 of 32 bytes; a test key, not a secret
                "servicemanager.encryption-key=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="})
class JdbcStoreStarterTest {
    private static final String BROKER_PASSWORD = "broker-password-" + UUID.randomUUID();
    private static BrokerStub broker;

    @LocalServerPort
    int port;

    @Autowired
    Store store;

    @Autowired
    DataSource dataSource;

    @BeforeAll
    static void startBroker() {
        broker = BrokerStub.start().withBasicAuth("broker-user", BROKER_PASSWORD);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private ApiClient admin() {
        return new ApiClient("http://127.0.0.1:" + port + "/sm").withCredentials("admin", "admin-secret");
    }

    @Test
    @DisplayName("with a DataSource the store is the JDBC store, on H2")
    void jdbcStore() {
        assertThat(store).isInstanceOf(JdbcStore.class);
        assertThat(((JdbcStore) store).dialect()).isEqualTo(Dialect.H2);
    }

    @Test
    @DisplayName("a broker registered over HTTP is a row in the application's database, its password encrypted")
    void recordsLandInTheDatabase() {
        String name = "broker-" + UUID.randomUUID();
        ApiResponse registered = admin().post("/v1/service_brokers", "{\"name\":\"" + name + "\",\"broker_url\":\""
                + broker.url() + "\",\"credentials\":{\"basic\":{\"username\":\"broker-user\",\"password\":\""
                + BROKER_PASSWORD + "\"}}}");
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);

        List<Map<String, Object>> rows = new JdbcTemplate(dataSource)
                .queryForList("SELECT * FROM service_brokers WHERE name = ?", name);
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).values()).extracting(String::valueOf).contains(registered.text("id"))
                .noneMatch(value -> value.contains(BROKER_PASSWORD));
        assertThat(new JdbcTemplate(dataSource).queryForObject(
                "SELECT COUNT(*) FROM service_plans p JOIN service_offerings o ON p.service_offering_id = o.id "
                        + "WHERE o.broker_id = ?", Integer.class, registered.text("id"))).isEqualTo(2);
        broker.verify(getRequestedFor(urlPathEqualTo("/v2/catalog"))
                .withBasicAuth(new BasicCredentials("broker-user", BROKER_PASSWORD)));
    }
}
