package org.servicemanager.core.internal.broker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("the OSB operation a broker call is counted under")
class BrokerOperationNamesTest {

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            "GET, /v2/catalog, catalog",
            "GET, /prefix/v2/catalog, catalog",
            "PUT, /v2/service_instances/i-1, provision",
            "PATCH, /v2/service_instances/i-1, update",
            "DELETE, /v2/service_instances/i-1, deprovision",
            "GET, /v2/service_instances/i-1, fetch_instance",
            "GET, /v2/service_instances/i-1/last_operation, instance_last_operation",
            "PUT, /v2/service_instances/i-1/service_bindings/b-1, bind",
            "DELETE, /v2/service_instances/i-1/service_bindings/b-1, unbind",
            "GET, /v2/service_instances/i-1/service_bindings/b-1, fetch_binding",
            "GET, /v2/service_instances/i-1/service_bindings/b-1/last_operation, binding_last_operation",
            "POST, /v2/service_instances/i-1, other",
            "GET, /v2/something/else, other",
            "GET, /no/osb/path, other"})
    @DisplayName("is named from the path after /v2/ and the method, from a small fixed set (no ids)")
    void named(String method, String path, String operation) {
        assertThat(BrokerClient.operation(method, path)).isEqualTo(operation);
    }
}
