package org.servicemanager.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.servicemanager.proxy.internal.SmClient;
import org.servicemanager.proxy.internal.SmModel;
import org.servicemanager.test.junit.ServiceManagerExtension;
import org.servicemanager.test.junit.ServiceManagerRuntimeInfo;

@DisplayName("The proxy's Service Manager REST client")
class SmClientTest {
    @RegisterExtension
    ServiceManagerExtension fixture = ServiceManagerExtension.newInstance().build();

    private SmFixture sm;

    @BeforeEach
    void setUp(ServiceManagerRuntimeInfo info) {
        sm = new SmFixture(info);
    }

    private SmClient client(String user, String password, int pageSize) {
        String basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
        return new SmClient(HttpClient.newHttpClient(), sm.baseUrl(), basic, Duration.ofSeconds(10), pageSize);
    }

    @Test
    @DisplayName("follows the paging tokens and reads, as the platform, only what the platform may see")
    void readsAllPages() throws Exception {
        String a = sm.registerBroker("a", "p1", "p2");
        String b = sm.registerBroker("b", "p1");
        sm.registerBroker("hidden", "p1");
        sm.visibleToPlatform("a-p1-id", Map.of("organization_guid", List.of("o1")));
        sm.visibleToAll("a-p2-id");
        sm.visibleToPlatform("b-p1-id", Map.of());

        SmClient.State state = client(sm.platformUser, sm.platformPassword, 1).read("corr-test");

        assertThat(state.brokers()).extracting(SmModel.Broker::id).containsExactlyInAnyOrder(a, b);
        assertThat(state.brokers()).filteredOn(x -> x.id().equals(a)).singleElement()
                .satisfies(x -> assertThat(x.plans().values()).containsExactlyInAnyOrder("a-p1-id", "a-p2-id"));
        assertThat(state.visibilities()).hasSize(3);
        assertThat(state.visibilities()).filteredOn(v -> v.platformId() != null)
                .extracting(SmModel.Visibility::labels).contains(Map.of("organization_guid", List.of("o1")));
    }

    @Test
    @DisplayName("fails with the status when the Service Manager refuses the credentials")
    void refused() {
        assertThatThrownBy(() -> client(sm.platformUser, "wrong", 50).read("corr-test"))
                .isInstanceOf(SmClient.SmReadException.class).hasMessageContaining("401");
    }
}
