package org.servicemanager.test.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Catalogs")
class CatalogsTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    @DisplayName("builds offerings and plans with ids, names and descriptions filled in")
    void defaults() throws Exception {
        JsonNode catalog = mapper.readTree(Catalogs.of(Catalogs.offering("db").plan(Catalogs.plan("small"))));

        JsonNode offering = catalog.at("/services/0");
        assertThat(offering.get("id").asText()).isEqualTo("db-id");
        assertThat(offering.get("bindable").asBoolean()).isTrue();
        assertThat(offering.get("description").asText()).isNotBlank();
        assertThat(offering.at("/plans/0/id").asText()).isEqualTo("small-id");
        assertThat(offering.at("/plans/0/description").asText()).isNotBlank();
    }

    @Test
    @DisplayName("set, setJson and without shape fields, also into invalid forms")
    void shaping() throws Exception {
        JsonNode catalog = mapper.readTree(Catalogs.of(Catalogs.offering("db").without("description")
                .set("bindable", "yes").plan(Catalogs.plan("p").setJson("schemas", "[1]").set("free", null))));

        assertThat(catalog.at("/services/0").has("description")).isFalse();
        assertThat(catalog.at("/services/0/bindable").isTextual()).isTrue();
        assertThat(catalog.at("/services/0/plans/0/schemas").isArray()).isTrue();
        assertThat(catalog.at("/services/0/plans/0/free").isNull()).isTrue();
    }

    @Test
    @DisplayName("the default catalog has one offering with two plans")
    void defaultCatalog() throws Exception {
        JsonNode catalog = mapper.readTree(FakeBroker.defaultCatalog());

        assertThat(catalog.get("services")).hasSize(1);
        assertThat(catalog.at("/services/0/plans")).hasSize(2);
    }
}
