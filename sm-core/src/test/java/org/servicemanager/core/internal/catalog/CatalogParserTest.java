package org.servicemanager.core.internal.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.BrokerException;

class CatalogParserTest {
    private static final String PLAN = "{'id':'p1','name':'small','description':'Small'}";

    private static Catalog parse(String json) {
        return CatalogParser.parse("b1", json.replace('\'', '"').getBytes(StandardCharsets.UTF_8), 100);
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
    @DisplayName("numbers in a catalog are kept as written: no Infinity, no rounding, no dropped zeros")
    void numbersRoundTrip() {
        Catalog catalog = parse(offering(",'metadata':{'huge':1e999999,'tiny':-1E-999999,"
                + "'precise':0.1000000000000000000000001,'zeros':1.10,'big':123456789012345678901234567890}",
                "{'id':'p1','name':'small','description':'Small','metadata':{'cost':9.990}}"));

        Catalog.Offering offering = catalog.offerings().get(0);
        assertThat(offering.metadata()).isEqualTo("{\"huge\":1E+999999,\"tiny\":-1E-999999,"
                + "\"precise\":0.1000000000000000000000001,\"zeros\":1.10,\"big\":123456789012345678901234567890}");
        assertThat(offering.catalogJson()).contains("\"huge\":1E+999999").doesNotContain("Infinity");
        assertThat(offering.plans().get(0).metadata()).isEqualTo("{\"cost\":9.990}");
    }

    @Test
    @DisplayName("a number beyond any representation (an exponent past 2^31) is refused, not stored as Infinity")
    void numberBeyondRange() {
        assertThatThrownBy(() -> parse(offering(",'metadata':{'x':1e9999999999}", PLAN)))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("not JSON");
    }

    @Test
    @DisplayName("an empty services array is a valid, empty catalog")
    void emptyCatalog() {
        assertThat(parse("{'services':[]}").offerings()).isEmpty();
    }

    @Test
    @DisplayName("a body that is not JSON is the broker's fault and names it")
    void notJson() {
        assertThatThrownBy(() -> CatalogParser.parse("my-broker", "<html>".getBytes(StandardCharsets.UTF_8), 100))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("my-broker")
                .hasMessageContaining("not JSON");
    }

    private static final String OK_OFFERING = "'id':'s1','name':'svc','description':'d','bindable':true";

    /** A catalog of one offering {@code svc} with the given fields and plans. */
    private static String one(String offeringFields, String plans) {
        return "{'services':[{" + offeringFields + ",'plans':[" + plans + "]}]}";
    }

    /** A catalog of the offering {@code svc} with one plan of the given fields. */
    private static String plan(String planFields) {
        return one(OK_OFFERING, "{" + planFields + "}");
    }

    static Stream<Arguments> invalidCatalogs() {
        String small = "'id':'p1','name':'small','description':'d'";
        return Stream.of(
                Arguments.of("not an object", "[]", "it must be a JSON object, was an array"),
                Arguments.of("no services array", "{'x':1}", "'services' must be an array, was missing"),
                Arguments.of("services not an array", "{'services':{}}", "'services' must be an array, was an object"),
                Arguments.of("offering not an object", "{'services':['db']}",
                        "service offering services[0] must be an object, was a string"),
                Arguments.of("offering without id, named by its name", one("'name':'svc','description':'d',"
                        + "'bindable':true", "{" + small + "}"),
                        "service offering 'svc' (services[0]) must have a non-empty string 'id', was missing"),
                Arguments.of("offering without name, named by its id", one("'id':'s1','description':'d',"
                        + "'bindable':true", "{" + small + "}"),
                        "service offering with id 's1' (services[0]) must have a non-empty string 'name'"),
                Arguments.of("offering without id or name, named by its position", one("'description':'d',"
                        + "'bindable':true", "{" + small + "}"),
                        "service offering services[0] must have a non-empty string 'id'"),
                Arguments.of("offering with a blank id", one("'id':' ','name':'svc','description':'d',"
                        + "'bindable':true", "{" + small + "}"),
                        "service offering 'svc' (services[0]) must have a non-empty string 'id', was empty"),
                Arguments.of("offering without description", one("'id':'s1','name':'svc','bindable':true",
                        "{" + small + "}"),
                        "service offering 'svc' (services[0]) must have a non-empty string 'description'"),
                Arguments.of("offering without bindable", one("'id':'s1','name':'svc','description':'d'",
                        "{" + small + "}"), "service offering 'svc' (services[0]) must have a boolean 'bindable'"),
                Arguments.of("bindable not a boolean", one("'id':'s1','name':'svc','description':'d',"
                        + "'bindable':'yes'", "{" + small + "}"),
                        "service offering 'svc' (services[0]): 'bindable' must be true or false, was a string"),
                Arguments.of("offering without plans", "{'services':[{" + OK_OFFERING + "}]}",
                        "service offering 'svc' (services[0]) must have a non-empty 'plans' array"),
                Arguments.of("offering with an empty plans array", one(OK_OFFERING, ""),
                        "service offering 'svc' (services[0]) must have a non-empty 'plans' array"),
                Arguments.of("offering tags not strings", one(OK_OFFERING + ",'tags':[1]", "{" + small + "}"),
                        "service offering 'svc' (services[0]): tags[0] must be a string, was a number"),
                Arguments.of("offering requires not an array", one(OK_OFFERING + ",'requires':'x'", "{" + small + "}"),
                        "service offering 'svc' (services[0]): 'requires' must be an array of strings, was a string"),
                Arguments.of("offering metadata not an object", one(OK_OFFERING + ",'metadata':'x'",
                        "{" + small + "}"), "service offering 'svc' (services[0]): 'metadata' must be an object"),
                Arguments.of("plan not an object", one(OK_OFFERING, "'small'"),
                        "plan of service offering 'svc' (services[0].plans[0]) must be an object, was a string"),
                Arguments.of("plan without id, named by its name", plan("'name':'small','description':'d'"),
                        "plan 'small' of service offering 'svc' (services[0].plans[0]) must have a non-empty "
                                + "string 'id'"),
                Arguments.of("plan without name, named by its id", plan("'id':'p1','description':'d'"),
                        "plan with id 'p1' of service offering 'svc' (services[0].plans[0]) must have a "
                                + "non-empty string 'name'"),
                Arguments.of("plan without id or name, named by its position", plan("'description':'d'"),
                        "plan of service offering 'svc' (services[0].plans[0]) must have a non-empty string 'id'"),
                Arguments.of("plan with an empty description", plan("'id':'p1','name':'small','description':''"),
                        "plan 'small' of service offering 'svc' (services[0].plans[0]) must have a non-empty "
                                + "string 'description', was empty"),
                Arguments.of("plan free not a boolean", plan(small + ",'free':'no'"),
                        "plan 'small' of service offering 'svc' (services[0].plans[0]): 'free' must be true or "
                                + "false"),
                Arguments.of("plan bindable not a boolean", plan(small + ",'bindable':1"),
                        "plan 'small' of service offering 'svc' (services[0].plans[0]): 'bindable' must be true"),
                Arguments.of("plan schemas not an object", plan(small + ",'schemas':[]"),
                        "plan 'small' of service offering 'svc' (services[0].plans[0]): 'schemas' must be an "
                                + "object, was an array"),
                Arguments.of("a plan schema not an object", plan(small + ",'schemas':{'service_instance':"
                        + "{'create':{'parameters':true}}}"),
                        "plan 'small' of service offering 'svc' (services[0].plans[0]): "
                                + "schemas.service_instance.create.parameters must be an object"),
                Arguments.of("a schemas kind not an object", plan(small + ",'schemas':{'service_instance':1}"),
                        "plan 'small' of service offering 'svc' (services[0].plans[0]): schemas.service_instance "
                                + "must be an object"),
                Arguments.of("a schemas action not an object", plan(small + ",'schemas':{'service_binding':"
                        + "{'create':[]}}"),
                        "plan 'small' of service offering 'svc' (services[0].plans[0]): "
                                + "schemas.service_binding.create must be an object"),
                Arguments.of("offering plan_updateable not a boolean", one(OK_OFFERING + ",'plan_updateable':0",
                        "{" + small + "}"),
                        "service offering 'svc' (services[0]): 'plan_updateable' must be true or false, was a number"),
                Arguments.of("plan metadata not an object", plan(small + ",'metadata':[]"),
                        "plan 'small' of service offering 'svc' (services[0].plans[0]): 'metadata' must be an "
                                + "object, was an array"),
                Arguments.of("a bad maintenance_info.version", plan(small + ",'maintenance_info':{'version':'1.2'}"),
                        "plan 'small' of service offering 'svc' (services[0].plans[0]): maintenance_info.version "
                                + "must be a semantic version such as 1.2.3, was \"1.2\""),
                Arguments.of("a maintenance_info without version", plan(small + ",'maintenance_info':{}"),
                        "plan 'small' of service offering 'svc' (services[0].plans[0]): maintenance_info.version "
                                + "must be a semantic version such as 1.2.3, was missing"),
                Arguments.of("a negative maximum_polling_duration", plan(small + ",'maximum_polling_duration':-1"),
                        "plan 'small' of service offering 'svc' (services[0].plans[0]): field "
                                + "'maximum_polling_duration' must be a non-negative integer"),
                Arguments.of("two plans of an offering with one name", one(OK_OFFERING, "{" + small + "},"
                        + "{'id':'p2','name':'small','description':'d'}"),
                        "plan 'small' of service offering 'svc' (services[0].plans[1]): name 'small' is already "
                                + "the name of services[0].plans[0]"),
                Arguments.of("two plans with one id", "{'services':[{" + OK_OFFERING + ",'plans':[{" + small
                        + "}]},{'id':'s2','name':'svc2','description':'d','bindable':true,'plans':[{'id':'p1',"
                        + "'name':'large','description':'d'}]}]}",
                        "plan 'large' of service offering 'svc2' (services[1].plans[0]): id 'p1' is already the "
                                + "id of plan 'small' of service offering 'svc' (services[0].plans[0])"),
                Arguments.of("two offerings with one id", "{'services':[{" + OK_OFFERING + ",'plans':[{" + small
                        + "}]},{'id':'s1','name':'svc2','description':'d','bindable':true,'plans':[{'id':'p2',"
                        + "'name':'large','description':'d'}]}]}",
                        "service offering 'svc2' (services[1]): id 's1' is already the id of service offering "
                                + "'svc' (services[0])"),
                Arguments.of("two offerings with one name", "{'services':[{" + OK_OFFERING + ",'plans':[{" + small
                        + "}]},{'id':'s2','name':'svc','description':'d','bindable':true,'plans':[{'id':'p2',"
                        + "'name':'large','description':'d'}]}]}",
                        "service offering 'svc' (services[1]): name 'svc' is already the name of services[0]"),
                Arguments.of("an offering name of 256 characters", one("'id':'s1','name':'" + "n".repeat(256)
                        + "','description':'d','bindable':true", "{" + small + "}"),
                        "service offering '" + "n".repeat(64) + "...' (services[0]): 'name' must be at most 255 "
                                + "characters long, was 256"),
                Arguments.of("a plan id with a control character", plan("'id':'p\\u0001','name':'small',"
                        + "'description':'d'"),
                        "plan 'small' of service offering 'svc' (services[0].plans[0]): 'id' must not contain "
                                + "control characters (U+0001 at index 1)"),
                Arguments.of("a plan description with NUL", plan("'id':'p1','name':'small','description':"
                        + "'a\\u0000'"),
                        "plan 'small' of service offering 'svc' (services[0].plans[0]): description must not "
                                + "contain control characters (U+0000 at index 1)"),
                Arguments.of("an offering description with an unpaired surrogate", one("'id':'s1','name':'svc',"
                        + "'description':'\\ud800','bindable':true", "{" + small + "}"),
                        "service offering 'svc' (services[0]): description contains an unpaired surrogate "
                                + "(U+D800 at index 0)"),
                Arguments.of("plan metadata with a NUL in a field name", plan(small + ",'metadata':{'a\\u0000':1}"),
                        "plan 'small' of service offering 'svc' (services[0].plans[0]): the field name "
                                + "'metadata.a\\u0000' must not contain control characters"),
                Arguments.of("a name that is named by a quote without its control characters", one("'id':'s1',"
                        + "'name':'a\\nb','description':'d','bindable':true", "{" + small + "}"),
                        "service offering 'a\\u000ab' (services[0]): 'name' must not contain control characters"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCatalogs")
    @DisplayName("a catalog that breaks an OSB rule is rejected with a message naming the offering or plan and "
            + "its position")
    void invalidCatalogs(String rule, String json, String message) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(BadRequestException.class)
                .hasMessageStartingWith("the catalog of service broker 'b1' is invalid: " + message);
    }

    @Test
    @DisplayName("a catalog with more plans than the limit is refused, naming the count and the limit")
    void tooManyPlans() {
        String plans = "{'id':'p1','name':'a','description':'d'},{'id':'p2','name':'b','description':'d'},"
                + "{'id':'p3','name':'c','description':'d'}";
        String json = one(OK_OFFERING, plans).replace('\'', '"');

        assertThat(CatalogParser.parse("b1", json.getBytes(StandardCharsets.UTF_8), 3).offerings().get(0).plans())
                .hasSize(3);
        assertThatThrownBy(() -> CatalogParser.parse("b1", json.getBytes(StandardCharsets.UTF_8), 2))
                .isInstanceOf(BadRequestException.class)
                .hasMessage("the catalog of service broker 'b1' is invalid: it has 3 plans, more than the 2 this "
                        + "Service Manager accepts per broker (maxCatalogPlans)");
    }

    @Test
    @DisplayName("the plan limit is checked before the catalog's rules, so a huge catalog is not validated")
    void limitBeforeRules() {
        String json = one(OK_OFFERING, "{'id':'p1'},{'id':'p2'}").replace('\'', '"');

        assertThatThrownBy(() -> CatalogParser.parse("b1", json.getBytes(StandardCharsets.UTF_8), 1))
                .hasMessageContaining("it has 2 plans, more than the 1");
    }
}
