package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("GET /v1/notifications without an upgrade through the JDK server adapter (no WebSocket there)")
class NotificationsPlainGetApiTest extends ApiTestBase {

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.maxPingPeriod(Duration.ofSeconds(90));
    }

    private long newest() {
        return server.sm().store().notifications().newestRevision();
    }

    @Test
    @DisplayName("answers a platform 200 with the newest revision and the configured max_ping_period, as JSON and headers")
    void values() {
        ApiClient platform = platformClient(createPlatform());
        // A broker change writes a notification, so the newest revision is not just zero.
        registerBroker(broker());

        ApiResponse response = platform.get("/v1/notifications");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("last_notification_revision").asLong()).isEqualTo(newest()).isPositive();
        assertThat(response.json().get("max_ping_period").asLong()).isEqualTo(90000);
        assertThat(response.header("last_notification_revision")).contains(Long.toString(newest()));
        assertThat(response.header("max_ping_period")).contains("90000");
    }

    @Test
    @DisplayName("refuses anyone but a platform: no credentials 401, an administrator 403")
    void refusals() {
        assertThat(anonymous.get("/v1/notifications").status()).isEqualTo(401);
        assertThat(admin.get("/v1/notifications").status()).isEqualTo(403);
    }

    @Test
    @DisplayName("with last_notification_revision: 200 when available, 410 when newer than the newest, 400 when malformed")
    void probe() {
        ApiClient platform = platformClient(createPlatform());
        long newest = newest();

        assertThat(platform.get("/v1/notifications?last_notification_revision=" + newest).status()).isEqualTo(200);
        ApiResponse gone = platform.get("/v1/notifications?last_notification_revision=" + (newest + 1000));
        assertThat(gone.status()).isEqualTo(410);
        assertThat(gone.text("error")).isEqualTo("Gone");
        assertThat(platform.get("/v1/notifications?last_notification_revision=x").status()).isEqualTo(400);
    }
}
