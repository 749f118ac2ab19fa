package org.example.bookshop;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.test.junit.ServiceManagerRuntimeInfo;
import org.servicemanager.test.junit.ServiceManagerTest;
import org.servicemanager.test.junit.TestPlatform;

/** The declarative style: one Service Manager with the defaults for the whole class. */
@ServiceManagerTest
@DisplayName("The marketplace a platform sees")
class MarketplaceTest {

    @Test
    @DisplayName("shows a registered broker's plans to a platform once they are visible")
    void platformSeesVisiblePlans(ServiceManagerRuntimeInfo sm) {
        String brokerId = sm.registerBrokerStub("marketplace-broker").id();
        TestPlatform platform = sm.registerPlatform("shop-cluster");
        String catalog = TestPlatform.osbPath(brokerId) + "/v2/catalog";
        assertThat(platform.client().get(catalog).json().path("services")).isEmpty();

        sm.makePlansVisible(brokerId);

        ApiResponse visible = platform.client().get(catalog);
        assertThat(visible.json().at("/services/0/plans")).hasSize(2);
    }
}
