package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.servicemanager.test.broker.BrokerStub;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.test.junit.ServiceManagerExtension;
import org.servicemanager.test.junit.ServiceManagerRuntimeInfo;

/** A tenant that may use no broker at all (none global, none its own), on a fixture of its own. */
@DisplayName("a tenant without any usable broker")
class TenantWithoutBrokersTest {
    @RegisterExtension
    ServiceManagerExtension sm = ServiceManagerExtension.newInstance()
            .configure(builder -> builder.tenantLabelKey("tenant_id").bearerTokens(new TenantTokens())).build();

    @Test
    @DisplayName("creating an instance by offering and plan names is a 400 saying there is no such offering, not a 500")
    void planByNames(ServiceManagerRuntimeInfo info) {
        // Another tenant's broker exists, so the store is not empty; tenant a may use none of it.
        BrokerStub stub = info.brokerStub();
        ApiResponse registered = info.anonymous().withAuthorization("Bearer " + TenantTokens.ADMIN_B)
                .post("/v1/service_brokers", "{\"name\":\"broker-of-b\",\"broker_url\":\"" + stub.url()
                        + "\",\"credentials\":{\"basic\":{\"username\":\"" + stub.username()
                        + "\",\"password\":\"" + stub.password() + "\"}}}");
        assertThat(registered.status()).as(registered.body()).isEqualTo(201);

        ApiResponse response = info.anonymous().withAuthorization("Bearer " + TenantTokens.ADMIN_A).post(
                "/v1/service_instances", "{\"name\":\"db\",\"service_offering_name\":\"db\","
                        + "\"service_plan_name\":\"small\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.text("description")).contains("there is no service offering 'db'");
    }
}
