package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.servicemanager.standalone.StandaloneServer.ConfigurationException;
import org.servicemanager.standalone.StandaloneServer.Running;

@DisplayName("the standalone server's failed-login limit")
class StandaloneFailedLoginLimitTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpResponse<String> get(Running server, String credentials) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/platforms"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        credentials.getBytes(StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @DisplayName("is on by default: after 10 wrong passwords in a minute attempts get 429 with Retry-After, and the "
            + "right password gets in once that has passed")
    void onByDefault() throws Exception {
        try (Running server = StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "given-pass"))) {
            for (int i = 0; i < 10; i++) {
                assertThat(get(server, "admin:wrong").statusCode()).isEqualTo(401);
            }

            HttpResponse<String> refused = get(server, "admin:wrong");

            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(refused.body()).contains("the limit is 10 per 60 seconds");
            long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
            assertThat(retryAfter).isBetween(1L, 6L);
            // The server runs on the system clock: honour Retry-After as a client would.
            Thread.sleep(retryAfter * 1000 + 200);
            assertThat(get(server, "admin:given-pass").statusCode()).isEqualTo(200);
        }
    }

    @Test
    @DisplayName("SM_FAILED_LOGIN_LIMIT and SM_FAILED_LOGIN_WINDOW_SECONDS set it; 0 switches it off")
    void configured() throws Exception {
        try (Running server = StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "given-pass", "SM_FAILED_LOGIN_LIMIT", "2",
                "SM_FAILED_LOGIN_WINDOW_SECONDS", "300"))) {
            get(server, "admin:wrong");
            get(server, "admin:wrong");

            HttpResponse<String> refused = get(server, "admin:wrong");
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.body()).contains("the limit is 2 per 300 seconds");
        }
        try (Running server = StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "given-pass", "SM_FAILED_LOGIN_LIMIT", "0"))) {
            for (int i = 0; i < 15; i++) {
                assertThat(get(server, "admin:wrong").statusCode()).isEqualTo(401);
            }
        }
    }

    @ParameterizedTest(name = "{0}=''{1}''")
    @CsvSource({"SM_FAILED_LOGIN_LIMIT, -1, 0, 1000000", "SM_FAILED_LOGIN_LIMIT, many, 0, 1000000",
            "SM_FAILED_LOGIN_WINDOW_SECONDS, 0, 1, 86400", "SM_FAILED_LOGIN_WINDOW_SECONDS, 86401, 1, 86400"})
    @DisplayName("rejects a bad limit setting, naming it")
    void badSetting(String name, String value, long min, long max) {
        assertThatThrownBy(() -> StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0", name, value)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage(name + " must be an integer between " + min + " and " + max + ", was '" + value + "'");
    }
}
