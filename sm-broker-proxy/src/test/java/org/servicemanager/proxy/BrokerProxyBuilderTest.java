package org.servicemanager.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.proxy.memory.InMemoryPlatform;

@DisplayName("BrokerProxy.builder()")
class BrokerProxyBuilderTest {
    private static final URI SM = URI.create("http://127.0.0.1:1");

    @Test
    @DisplayName("rejects a Service Manager URL that is not absolute http(s), naming it")
    void badUrl() {
        assertThatThrownBy(() -> BrokerProxy.builder().serviceManager(URI.create("ftp://sm"), "u", "p"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ftp://sm");
        assertThatThrownBy(() -> BrokerProxy.builder().serviceManager(URI.create("/v1"), "u", "p"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/v1");
    }

    @Test
    @DisplayName("rejects empty platform credentials without showing the password")
    void badCredentials() {
        assertThatThrownBy(() -> BrokerProxy.builder().serviceManager(SM, "", "p"))
                .hasMessageContaining("platformUser");
        assertThatThrownBy(() -> BrokerProxy.builder().serviceManager(SM, "u", ""))
                .hasMessageContaining("platformPassword");
    }

    @Test
    @DisplayName("rejects a blank broker prefix, which would claim every broker")
    void blankPrefix() {
        assertThatThrownBy(() -> BrokerProxy.builder().brokerPrefix(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("brokerPrefix");
    }

    @Test
    @DisplayName("rejects non-positive intervals and a backoff maximum below its minimum, naming the value")
    void badDurations() {
        assertThatThrownBy(() -> BrokerProxy.builder().resyncInterval(Duration.ZERO))
                .hasMessageContaining("resyncInterval").hasMessageContaining("PT0S");
        assertThatThrownBy(() -> BrokerProxy.builder().requestTimeout(Duration.ofSeconds(-1)))
                .hasMessageContaining("requestTimeout").hasMessageContaining("PT-1S");
        assertThatThrownBy(() -> BrokerProxy.builder().reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("min PT2S").hasMessageContaining("max PT1S");
    }

    @Test
    @DisplayName("requires the Service Manager and the platform")
    void required() {
        assertThatThrownBy(() -> BrokerProxy.builder().platform(new InMemoryPlatform()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("serviceManager");
        assertThatThrownBy(() -> BrokerProxy.builder().serviceManager(SM, "u", "p").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("platform");
    }

    @Test
    @DisplayName("builds a proxy that can be started once only")
    void startOnce() {
        try (BrokerProxy proxy = BrokerProxy.builder().serviceManager(SM, "u", "p").platform(new InMemoryPlatform())
                .build()) {
            proxy.start();
            assertThatThrownBy(proxy::start).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    @DisplayName("takes an upper-case HTTPS Service Manager URL as https: the stream is wss and its GET https, never cleartext")
    void upperCaseHttps() {
        BrokerProxy.Builder builder = BrokerProxy.builder().serviceManager(URI.create("HTTPS://sm.example.com/"), "u", "p");

        assertThat(builder.streamUri()).hasToString("wss://sm.example.com/v1/notifications");
        assertThat(builder.streamStartUri()).hasToString("https://sm.example.com/v1/notifications");
    }

    @Test
    @DisplayName("takes an upper-case HTTP Service Manager URL as http: the stream is ws")
    void upperCaseHttp() {
        BrokerProxy.Builder builder = BrokerProxy.builder().serviceManager(URI.create("Http://127.0.0.1:8080"), "u", "p");

        assertThat(builder.streamUri()).hasToString("ws://127.0.0.1:8080/v1/notifications");
        assertThat(builder.streamStartUri()).hasToString("http://127.0.0.1:8080/v1/notifications");
    }

    @Test
    @DisplayName("takes a notifications URI's scheme in any case: WSS and HTTPS are wss with an https GET, WS and HTTP ws with an http GET")
    void upperCaseNotificationsUri() {
        BrokerProxy.Builder builder = BrokerProxy.builder().serviceManager(SM, "u", "p");

        builder.notificationsUri(URI.create("WSS://gw.example.com/stream"));
        assertThat(builder.streamUri()).hasToString("wss://gw.example.com/stream");
        assertThat(builder.streamStartUri()).hasToString("https://gw.example.com/stream");

        builder.notificationsUri(URI.create("HTTPS://gw.example.com/stream"));
        assertThat(builder.streamUri()).hasToString("wss://gw.example.com/stream");
        assertThat(builder.streamStartUri()).hasToString("https://gw.example.com/stream");

        builder.notificationsUri(URI.create("WS://gw.example.com/stream"));
        assertThat(builder.streamUri()).hasToString("ws://gw.example.com/stream");
        assertThat(builder.streamStartUri()).hasToString("http://gw.example.com/stream");

        builder.notificationsUri(URI.create("HTTP://gw.example.com/stream"));
        assertThat(builder.streamUri()).hasToString("ws://gw.example.com/stream");
        assertThat(builder.streamStartUri()).hasToString("http://gw.example.com/stream");
    }
}
