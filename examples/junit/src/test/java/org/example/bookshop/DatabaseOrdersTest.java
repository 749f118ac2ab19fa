package org.example.bookshop;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.servicemanager.test.broker.BrokerStub;
import org.servicemanager.test.broker.BrokerStub.OsbCall;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.junit.ServiceManagerExtension;
import org.servicemanager.test.junit.ServiceManagerRuntimeInfo;

/**
 * The programmatic style: an instance field gives every test its own Service Manager (a static
 * field would share one per class), configured like any other, with a WireMock broker stub.
 */
@DisplayName("Ordering a shop's database")
class DatabaseOrdersTest {
    @RegisterExtension
    ServiceManagerExtension sm = ServiceManagerExtension.newInstance()
            // Any Service Manager option: here, poll asynchronous brokers without the 4 s default pause.
            .configure(builder -> builder.operationsPollInterval(Duration.ofMillis(20)))
            .build();

    private BrokerStub broker;
    private DatabaseOrders orders;

    @BeforeEach
    void registerTheBroker(ServiceManagerRuntimeInfo info) {
        broker = info.brokerStub()
                .catalog(Catalogs.offering("postgres").plan(Catalogs.plan("small")).plan(Catalogs.plan("large")));
        String brokerId = info.registerBroker("postgres-broker", broker);
        info.makePlansVisible(brokerId);
        orders = new DatabaseOrders(info.baseUrl(), info.adminUsername(), info.adminPassword());
    }

    @Test
    @DisplayName("gets a ready database when the broker provisions at once")
    void synchronousBroker() throws Exception {
        DatabaseOrders.Order order = orders.order("tea-shop", "postgres", "small", Duration.ofSeconds(5));

        assertThat(order.ready()).isTrue();
        broker.verify(1, OsbCall.PROVISION.requested()
                .withRequestBody(matchingJsonPath("$.plan_id", equalTo("small-id")))
                .withRequestBody(matchingJsonPath("$.context.instance_name", equalTo("tea-shop-db"))));
    }

    @Test
    @DisplayName("waits for an asynchronous broker until its last operation succeeds")
    void asynchronousBroker() throws Exception {
        broker.async(OsbCall.PROVISION, "in progress", "in progress", "succeeded");

        DatabaseOrders.Order order = orders.order("book-shop", "postgres", "large", Duration.ofSeconds(10));

        assertThat(order.ready()).isTrue();
        assertThat(order.instanceId()).isNotBlank();
    }

    @Test
    @DisplayName("reports the broker's reason when it refuses")
    void refusingBroker() {
        broker.fail(OsbCall.PROVISION, 400, "BadRequest", "no more databases in this region");

        assertThatThrownBy(() -> orders.order("toy-shop", "postgres", "small", Duration.ofSeconds(5)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no more databases in this region");
    }
}
