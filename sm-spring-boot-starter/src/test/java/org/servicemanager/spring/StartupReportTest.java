package org.servicemanager.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@DisplayName("A wrong servicemanager.* property stops a real application with Spring Boot's failure report")
@ExtendWith(OutputCaptureExtension.class)
class StartupReportTest {
    private static SpringApplicationBuilder application(String... properties) {
        return new SpringApplicationBuilder(HostApplication.class)
                .properties("server.port=0", "servicemanager.users.admin.password=admin-secret")
                .properties(properties);
    }

    @Test
    @DisplayName("a DataSource without servicemanager.encryption-key: the report names the property and what to do")
    void missingEncryptionKey(CapturedOutput output) {
        assertThatThrownBy(() -> application(
                "spring.datasource.url=jdbc:h2:mem:sm-report-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1").run())
                .hasRootCauseInstanceOf(ServiceManagerPropertiesException.class);
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("The Service Manager cannot start: servicemanager.encryption-key is required")
                .contains("Set the servicemanager.* property named above");
    }

    @Test
    @DisplayName("a key of the wrong length: the report says so and never shows the key")
    void wrongKey(CapturedOutput output) {
        String key = Base64.getEncoder().encodeToString("sixteen byte key".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> application(
                "spring.autoconfigure.exclude=org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
                "servicemanager.encryption-key=" + key).run()).isNotNull();
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("servicemanager.encryption-key must be base64 of 32 bytes, was 16 bytes")
                .doesNotContain(key);
    }
}
