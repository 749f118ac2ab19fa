package org.servicemanager.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.TimeZone;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The build fixes what tests may not depend on (parent pom, {@code sm.test.jvmArgs}). */
@DisplayName("The test JVM")
class TestJvmTest {

    @Test
    @DisplayName("runs in UTC with the en-US locale, whatever the machine is set to")
    void fixedZoneAndLocale() {
        assertThat(TimeZone.getDefault().getID()).isEqualTo("UTC");
        assertThat(Locale.getDefault()).isEqualTo(Locale.US);
    }
}
