package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("/v1/service_brokers with catalogs limited to 5 plans (maxCatalogPlans) and broker answers to 16 KiB")
class CatalogLimitApiTest extends ApiTestBase {

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.maxCatalogPlans(5).maxBrokerResponseBytes(16 * 1024);
    }

    private static String catalogOfPlans(int count) {
        Catalogs.Offering offering = Catalogs.offering("many");
        for (int i = 0; i < count; i++) {
            offering.plan(Catalogs.plan("plan-" + i));
        }
        return Catalogs.of(offering);
    }

    @Test
    @DisplayName("a catalog with more plans than maxCatalogPlans is 400 naming the count and the limit, and nothing "
            + "is stored")
    void tooManyPlans() {
        FakeBroker broker = broker().catalog(catalogOfPlans(6));
        String name = unique("many");

        ApiResponse response = admin.post("/v1/service_brokers", brokerBody(name, broker.url()));

        assertError(response, 400, "BadRequest");
        assertThat(description(response)).contains(name).contains("6 plans").contains("5")
                .contains("maxCatalogPlans");
        assertThat(admin.get("/v1/service_brokers?fieldQuery=" + q("name eq '" + name + "'"))
                .json().get("num_items").asInt()).isZero();
    }

    @Test
    @DisplayName("a catalog of exactly maxCatalogPlans plans is registered")
    void plansAtTheLimit() {
        FakeBroker broker = broker().catalog(catalogOfPlans(5));

        assertThat(admin.post("/v1/service_brokers", brokerBody(unique("five"), broker.url())).status())
                .isEqualTo(201);
    }

    @Test
    @DisplayName("a refresh of a broker whose catalog grew beyond maxCatalogPlans is 400 and keeps the stored plans")
    void refreshBeyondTheLimit() {
        FakeBroker broker = broker().catalog(catalogOfPlans(2));
        String id = registerBroker(broker).get("id").asText();
        broker.catalog(catalogOfPlans(6));

        ApiResponse response = admin.patch("/v1/service_brokers/" + id, "{}");

        assertError(response, 400, "BadRequest");
        assertThat(description(response)).contains("maxCatalogPlans");
        String offerings = admin.get("/v1/service_offerings?fieldQuery=" + q("broker_id eq '" + id + "'")).json()
                .get("items").get(0).get("id").asText();
        assertThat(admin.get("/v1/service_plans?fieldQuery=" + q("service_offering_id eq '" + offerings + "'"))
                .json().get("num_items").asInt()).isEqualTo(2);
    }

    @Test
    @DisplayName("a refresh of a broker whose catalog grew beyond the answer limit is 502 and keeps the stored plans")
    void refreshBeyondTheAnswerLimit() {
        FakeBroker broker = broker().catalog(catalogOfPlans(2));
        String id = registerBroker(broker).get("id").asText();
        Catalogs.Offering padded = Catalogs.offering("many").plan(Catalogs.plan("small")
                .description("x".repeat(20 * 1024)));
        broker.catalog(Catalogs.of(padded));

        ApiResponse response = admin.patch("/v1/service_brokers/" + id, "{}");

        assertError(response, 502, "BrokerError");
        assertThat(description(response)).contains("GET /v2/catalog").contains("16384 bytes");
        assertThat(plansOfBroker(id)).hasSize(2);
    }
}
