package org.servicemanager.core.internal.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.BrokerException;

class CatalogParserTest {
    private static final String PLAN = "{'id':'p1','name':'small','description':'Small'}";

    private static Catalog parse(String json) {
        return CatalogParser.parse("b1", json.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    }

    private static String offering(String fields, String plans) {
        return "{'services':[{'id':'s1','name':'svc','description':'Service','bindable':true" + fields
                + ",'plans':[" + plans + "]}]}";
    }

    @Test
    @DisplayName("a valid catalog yields its offerings and plans with defaults filled in")
    void validCatalog() {
        Catalog catalog = parse(offering(",'tags':['a'],'metadata':{'x':1},'plan_updateable':true",
                PLAN + ",{'id':'p2','name':'large','description':'L','free':false,'bindable':false,"
                        + "'maintenance_info':{'version':'1.2.3-rc.1+build.5'},'maximum_polling_duration':60}"));
        assertThat(catalog.offerings()).hasSize(1);
        Catalog.Offering o = catalog.offerings().get(0);
        assertThat(o.catalogId()).isEqualTo("s1");
        assertThat(o.tags()).containsExactly("a");
        assertThat(o.planUpdateable()).isTrue();
        assertThat(o.instancesRetrievable()).isFalse();
        assertThat(o.metadata()).isEqualTo("{\"x\":1}");
        assertThat(o.catalogJson()).doesNotContain("plans");
        assertThat(o.plans()).extracting(Catalog.Plan::catalogId).containsExactly("p1", "p2");
        assertThat(o.plans().get(0).free()).isTrue();
        assertThat(o.plans().get(0).bindable()).isNull();
        assertThat(o.plans().get(1).bindable()).isFalse();
        assertThat(o.plans().get(1).maximumPollingDuration()).isEqualTo(60);
    }

    @Test
    @DisplayName("an empty services array is a valid, empty catalog")
    void emptyCatalog() {
        assertThat(parse("{'services':[]}").offerings()).isEmpty();
    }

    @Test
    @DisplayName("a body that is not JSON is the broker's fault and names it")
    void notJson() {
        assertThatThrownBy(() -> CatalogParser.parse("my-broker", "<html>".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("my-broker")
                .hasMessageContaining("not JSON");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no services array | {'x':1} | 'services' must be an array",
        "services not array | {'services':{}} | 'services' must be an array",
        "offering without id | {'services':[{'name':'svc','description':'d','bindable':true,'plans':[" + PLAN
                + "]}]} | must have a non-empty string 'id'",
        "offering without description | {'services':[{'id':'s1','name':'svc','bindable':true,'plans':[" + PLAN
                + "]}]} | service offering 'svc' must have a non-empty string 'description'",
        "offering without bindable | {'services':[{'id':'s1','name':'svc','description':'d','plans':[" + PLAN
                + "]}]} | service offering 'svc' must have a boolean 'bindable'",
        "bindable not boolean | {'services':[{'id':'s1','name':'svc','description':'d','bindable':'yes','plans':["
                + PLAN + "]}]} | 'bindable' must be true or false",
        "offering without plans | {'services':[{'id':'s1','name':'svc','description':'d','bindable':true,"
                + "'plans':[]}]} | service offering 'svc' must have a non-empty 'plans' array",
        "plan without name | {'services':[{'id':'s1','name':'svc','description':'d','bindable':true,'plans':["
                + "{'id':'p1','description':'d'}]}]} | plan 'p1' must have a non-empty string 'name'",
        "plan with empty description | {'services':[{'id':'s1','name':'svc','description':'d','bindable':true,"
                + "'plans':[{'id':'p1','name':'small','description':''}]}]} | plan 'small' must have a non-empty"
                + " string 'description', was empty",
        "duplicate plan names | {'services':[{'id':'s1','name':'svc','description':'d','bindable':true,'plans':["
                + PLAN + ",{'id':'p2','name':'small','description':'d'}]}]} | has two plans named 'small'",
        "duplicate plan ids | {'services':[{'id':'s1','name':'svc','description':'d','bindable':true,'plans':["
                + PLAN + "]},{'id':'s2','name':'svc2','description':'d','bindable':true,'plans':[" + PLAN
                + "]}]} | plan id 'p1' appears twice",
        "duplicate offering ids | {'services':[{'id':'s1','name':'a','description':'d','bindable':true,'plans':["
                + PLAN + "]},{'id':'s1','name':'b','description':'d','bindable':true,'plans':["
                + "{'id':'p2','name':'x','description':'d'}]}]} | service offering id 's1' appears twice",
        "duplicate offering names | {'services':[{'id':'s1','name':'a','description':'d','bindable':true,'plans':["
                + PLAN + "]},{'id':'s2','name':'a','description':'d','bindable':true,'plans':["
                + "{'id':'p2','name':'x','description':'d'}]}]} | service offering name 'a' appears twice",
        "schema not an object | {'services':[{'id':'s1','name':'svc','description':'d','bindable':true,'plans':["
                + "{'id':'p1','name':'small','description':'d','schemas':{'service_instance':{'create':"
                + "{'parameters':true}}}}]}]} | schemas.service_instance.create.parameters must be an object",
        "bad maintenance version | {'services':[{'id':'s1','name':'svc','description':'d','bindable':true,"
                + "'plans':[{'id':'p1','name':'small','description':'d','maintenance_info':{'version':'1.2'}}]}]}"
                + " | maintenance_info.version must be a semantic version",
        "negative polling duration | {'services':[{'id':'s1','name':'svc','description':'d','bindable':true,"
                + "'plans':[{'id':'p1','name':'small','description':'d','maximum_polling_duration':-1}]}]}"
                + " | must be a non-negative integer",
        "tags not strings | {'services':[{'id':'s1','name':'svc','description':'d','bindable':true,'tags':[1],"
                + "'plans':[" + PLAN + "]}]} | tags[0]' must be a string",
    })
    @DisplayName("a catalog that breaks an OSB rule is rejected with a message naming the culprit")
    void invalidCatalogs(String name, String json, String message) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(BadRequestException.class)
                .hasMessageStartingWith("the catalog of service broker 'b1' is invalid: ")
                .hasMessageContaining(message.replace('\'', '"').replace('"', '\''));
    }
}
