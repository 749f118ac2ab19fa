package org.servicemanager.proxy.cf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The Cloud Foundry platform's builder")
class CloudFoundryPlatformBuilderTest {

    private static CloudFoundryPlatform.Builder valid() {
        return CloudFoundryPlatform.builder().apiUrl("https://api.example.com").client("id", "secret");
    }

    @Test
    @DisplayName("builds with an API URL and a client, without touching the network")
    void minimal() {
        assertThat(valid().build().scopeLabelKey()).isEqualTo("organization_guid");
    }

    @Test
    @DisplayName("requires the API URL")
    void requiresApiUrl() {
        assertThatThrownBy(() -> CloudFoundryPlatform.builder().client("id", "secret").build())
                .isInstanceOf(IllegalStateException.class).hasMessage("apiUrl is required");
    }

    @Test
    @DisplayName("requires the client")
    void requiresClient() {
        assertThatThrownBy(() -> CloudFoundryPlatform.builder().apiUrl("https://api.example.com").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("client");
    }

    @Test
    @DisplayName("refuses an API URL that is not http(s), naming it")
    void badApiUrl() {
        assertThatThrownBy(() -> valid().apiUrl("ftp://api.example.com"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("apiUrl must be an http(s) URL without query or fragment, was 'ftp://api.example.com'");
        assertThatThrownBy(() -> valid().tokenUrl("not a url"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tokenUrl");
    }

    @Test
    @DisplayName("refuses a URL with user info without echoing it")
    void userInfo() {
        assertThatThrownBy(() -> valid().apiUrl("https://admin:hunter2@api.example.com"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("hunter2");
    }

    @Test
    @DisplayName("refuses a blank client id and an empty secret, never echoing the secret")
    void badClient() {
        assertThatThrownBy(() -> valid().client(" ", "secret"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("client id must be non-blank, was ' '");
        assertThatThrownBy(() -> valid().client("id", ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("client secret must be non-empty");
    }

    @Test
    @DisplayName("refuses a page size outside 1 to 5000")
    void pageSize() {
        assertThatThrownBy(() -> valid().pageSize(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("pageSize must be between 1 and 5000, was 0");
        assertThatThrownBy(() -> valid().pageSize(5001))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 5001");
    }

    @Test
    @DisplayName("refuses timeouts that are not positive and a negative poll interval")
    void durations() {
        assertThatThrownBy(() -> valid().jobTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("jobTimeout must be positive, was PT0S");
        assertThatThrownBy(() -> valid().requestTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestTimeout");
        assertThatThrownBy(() -> valid().connectTimeout(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> valid().jobPollInterval(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("jobPollInterval must not be negative, was PT-0.001S");
    }
}
