package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.BrokerCredentials;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.jdk.SmHttpServer;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * Broker credentials are encrypted before they reach the store: the store never holds them in
 * clear, the broker still gets them, and a Service Manager started with another key refuses to
 * start instead of failing later.
 */
class SecretsAtRestApiTest {
    private static final String ADMIN_HASH = ServiceManager.Builder.hashPassword("admin-secret");
    private final MemoryStore store = new MemoryStore();
    private final FakeBroker broker = FakeBroker.start().withBasicAuth("broker-user", "broker-pass-7f3a");
    private SmHttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        broker.close();
        store.close();
    }

    private ApiClient start(byte[] key) {
        ServiceManager sm = ServiceManager.builder().store(store).adminUserWithHash("admin", ADMIN_HASH)
                .encryptionKey(key).build();
        server = SmHttpServer.start(sm, new InetSocketAddress("127.0.0.1", 0));
        return new ApiClient(server.baseUrl()).withCredentials("admin", "admin-secret");
    }

    private static byte[] key(int fill) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) fill);
        return key;
    }

    private ApiResponse register(ApiClient admin, String name) {
        return admin.post("/v1/service_brokers", "{\"name\":\"" + name + "\",\"broker_url\":\"" + broker.url()
                + "\",\"credentials\":{\"basic\":{\"username\":\"broker-user\",\"password\":\"broker-pass-7f3a\"}}}");
    }

    @Test
    @DisplayName("the stored broker holds no password in clear, and the broker is still called with it")
    void storedEncrypted() {
        ApiClient admin = start(key(1));
        assertThat(register(admin, "enc-broker").status()).isEqualTo(201);
        ServiceBroker stored = store.repository(EntityTypes.SERVICE_BROKERS)
                .list(Query.all(), PageRequest.first(10)).items().get(0);
        BrokerCredentials credentials = stored.credentials();
        assertThat(credentials.basicPassword()).startsWith("aesgcm:v1:").doesNotContain("broker-pass-7f3a");
        assertThat(stored.toString()).doesNotContain("broker-pass-7f3a");
        // A refresh opens the stored secret to call the broker again.
        assertThat(admin.patch("/v1/service_brokers/" + stored.id(), "{}").status()).isEqualTo(200);
        assertThat(broker.catalogCalls()).isEqualTo(2);
    }

    @Test
    @DisplayName("a Service Manager with another key refuses to start on the same store; the right key works")
    void wrongKeyFailsAtStart() {
        ApiClient admin = start(key(1));
        assertThat(register(admin, "key-broker").status()).isEqualTo(201);
        server.close();
        server = null;
        assertThatThrownBy(() -> ServiceManager.builder().store(store).adminUserWithHash("admin", ADMIN_HASH)
                .encryptionKey(key(2)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("encryption key does not match");
        ApiClient again = start(key(1));
        ApiResponse list = again.get("/v1/service_brokers");
        assertThat(list.status()).isEqualTo(200);
        String id = list.json().get("items").get(0).get("id").asText();
        assertThat(again.patch("/v1/service_brokers/" + id, "{}").status()).isEqualTo(200);
    }
}
