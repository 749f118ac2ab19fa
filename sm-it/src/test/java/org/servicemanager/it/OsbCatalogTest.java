package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("/v1/osb/{broker_id}/v2/catalog")
class OsbCatalogTest extends OsbTestBase {

    @Test
    @DisplayName("is answered from storage: the broker is not called")
    void fromStorage() {
        ApiResponse response = osbA.get(stage.base() + "/catalog");

        assertThat(response.status()).isEqualTo(200);
        assertThat(stage.broker.requests()).isEmpty();
    }

    @Test
    @DisplayName("holds the publicly visible plans and drops the offering without visible plans")
    void publicPlans() {
        assertThat(plans(osbA, stage)).containsExactlyInAnyOrder("db:small", "db:large", "db:nobind", "db:fixed",
                "cache:basic");
    }

    @Test
    @DisplayName("keeps each offering and plan as the broker sent it")
    void asTheBrokerSentIt() {
        JsonNode cache = null;
        for (JsonNode service : osbA.get(stage.base() + "/catalog").json().get("services")) {
            if (service.get("id").asText().equals("cache-id")) {
                cache = service;
            }
        }

        assertThat(cache).isNotNull();
        assertThat(cache.get("bindable").asBoolean()).isFalse();
        assertThat(cache.at("/plans/0/id").asText()).isEqualTo("basic-id");
        assertThat(cache.at("/plans/0/bindable").asBoolean()).isTrue();
    }

    @Test
    @DisplayName("holds a plan visible only to this platform, but not to another platform")
    void privateVisibility() {
        Stage s = newStage(defaultCatalog());
        createVisibility(s.plan("secret"), platformId(platformB));

        assertThat(plans(osbB, s)).contains("hidden:secret");
        assertThat(plans(osbA, s)).doesNotContain("hidden:secret");
    }

    @Test
    @DisplayName("changes at once when a visibility is created")
    void afterVisibilityCreated() {
        Stage s = newStage(defaultCatalog());
        assertThat(plans(osbA, s)).doesNotContain("hidden:secret");

        createVisibility(s.plan("secret"), platformId(platformA));

        assertThat(plans(osbA, s)).contains("hidden:secret");
    }

    @Test
    @DisplayName("changes at once when a visibility is deleted")
    void afterVisibilityDeleted() {
        Stage s = newStage(defaultCatalog());
        String visibility = createVisibility(s.plan("secret"), platformId(platformA)).get("id").asText();
        assertThat(plans(osbA, s)).contains("hidden:secret");

        assertThat(admin.delete("/v1/visibilities/" + visibility).status()).isEqualTo(200);

        assertThat(plans(osbA, s)).doesNotContain("hidden:secret");
    }

    @Test
    @DisplayName("changes at once when a broker PATCH brings a changed catalog")
    void afterBrokerRefresh() {
        Stage s = newStage(defaultCatalog());
        assertThat(plans(osbA, s)).contains("db:large");
        s.broker.catalog(Catalogs.of(Catalogs.offering("db").plan(Catalogs.plan("small").description("smaller"))));

        assertThat(admin.patch("/v1/service_brokers/" + s.brokerId, "{}").status()).isEqualTo(200);

        assertThat(plans(osbA, s)).containsExactly("db:small");
        assertThat(osbA.get(s.base() + "/catalog").json().at("/services/0/plans/0/description").asText())
                .isEqualTo("smaller");
    }

    @Test
    @DisplayName("is 404 once the broker is deleted")
    void afterBrokerDeleted() {
        Stage s = newStage(defaultCatalog());
        assertThat(plans(osbA, s)).isNotEmpty();

        assertThat(admin.delete("/v1/service_brokers/" + s.brokerId).status()).isEqualTo(200);

        assertOsbError(osbA.get(s.base() + "/catalog"), 404);
    }
}
