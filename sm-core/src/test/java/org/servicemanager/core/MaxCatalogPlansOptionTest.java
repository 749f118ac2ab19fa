package org.servicemanager.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("ServiceManager.Builder.maxCatalogPlans")
class MaxCatalogPlansOptionTest {

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    @DisplayName("a limit below one plan fails at once, naming the value")
    void refusesLimitsBelowOne(int plans) {
        assertThatThrownBy(() -> ServiceManager.builder().maxCatalogPlans(plans))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxCatalogPlans must be at least 1, was " + plans);
    }
}
