package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.servicemanager.test.http.ApiResponse;

/**
 * OSB bodies whose strings no store can keep (NUL, which PostgreSQL refuses even escaped in jsonb,
 * and unpaired surrogates, which have no UTF-8 form) are refused with 400 naming the field, before
 * any record is written or any broker called. That no such body gets a 500 from PostgreSQL is
 * {@code OsbStorableTextOnPostgresTest} in sm-storage-jdbc.
 */
@DisplayName("OSB bodies: strings no store can keep")
class OsbStorableTextTest extends OsbTestBase {
    /** JSON escapes, as a platform would send them. */
    private static final String NUL = "\\u0000";
    private static final String LONE_SURROGATE = "\\ud800";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "NUL in context.instance_name|{\"platform\": \"cloudfoundry\", \"instance_name\": \"a" + NUL
                + "b\"}|{}|context.instance_name",
        "unpaired surrogate in context|{\"platform\": \"x" + LONE_SURROGATE + "\"}|{}|context.platform",
        "NUL in a parameter|{\"platform\": \"cloudfoundry\"}|{\"note\": [\"ok\", \"" + NUL
                + "\"]}|parameters.note[1]",
        "unpaired surrogate in a parameter name|{\"platform\": \"cloudfoundry\"}|{\"k" + LONE_SURROGATE
                + "\": 1}|field name "})
    @DisplayName("a provision holding such a string is 400 naming the field; no record, no broker call")
    void provision(String label, String context, String parameters, String field) {
        String id = unique("i");
        String body = "{\"service_id\": \"db-id\", \"plan_id\": \"small-id\", \"context\": " + context
                + ", \"parameters\": " + parameters + "}";

        ApiResponse response = osbA.put(stage.instance(id), body);

        assertOsbError(response, 400);
        assertThat(response.text("description")).contains(field);
        assertThat(instanceRecord(id).status()).isEqualTo(404);
        assertThat(stage.osbCalls()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "NUL in the new context|{\"platform\": \"cloudfoundry\", \"instance_name\": \"" + NUL + "\"}",
        "unpaired surrogate in the new context|{\"platform\": \"cloudfoundry\", \"space_guid\": \""
                + LONE_SURROGATE + "\"}"})
    @DisplayName("an update holding such a string is 400 naming the field; the record keeps its context")
    void update(String label, String context) {
        String id = provisioned(osbA, "small");
        String before = instanceRecord(id).json().get("context").toString();
        stage.broker.clearRequests();

        ApiResponse response = osbA.patch(stage.instance(id), "{\"service_id\": \"db-id\", \"context\": "
                + context + "}");

        assertOsbError(response, 400);
        assertThat(response.text("description")).contains("context.");
        assertThat(instanceRecord(id).json().get("context").toString()).isEqualTo(before);
        assertThat(stage.osbCalls()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "NUL in bind_resource|{\"platform\": \"cloudfoundry\"}|{\"app_guid\": \"a" + NUL + "\"}|bind_resource.app_guid",
        "unpaired surrogate in the binding name|{\"binding_name\": \"" + LONE_SURROGATE + "\"}|{}"
                + "|context.binding_name"})
    @DisplayName("a bind holding such a string is 400 naming the field; no binding record, no broker call")
    void bind(String label, String context, String bindResource, String field) {
        String instance = provisioned(osbA, "small");
        String id = unique("b");
        stage.broker.clearRequests();

        ApiResponse response = osbA.put(stage.binding(instance, id), "{\"service_id\": \"db-id\", "
                + "\"plan_id\": \"small-id\", \"context\": " + context + ", \"bind_resource\": " + bindResource + "}");

        assertOsbError(response, 400);
        assertThat(response.text("description")).contains(field);
        assertThat(bindingRecord(id).status()).isEqualTo(404);
        assertThat(stage.osbCalls()).isEmpty();
    }
}
