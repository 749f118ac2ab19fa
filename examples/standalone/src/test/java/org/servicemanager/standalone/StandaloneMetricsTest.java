package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.servicemanager.standalone.StandaloneServer.ConfigurationException;
import org.servicemanager.standalone.StandaloneServer.Running;

@DisplayName("the standalone server's metrics (SM_METRICS)")
class StandaloneMetricsTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Map<String, String> PROMETHEUS = Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
            "SM_ADMIN_PASSWORD", "given-pass", "SM_METRICS", "prometheus",
            "SM_READ_ONLY_USERNAME", "reader", "SM_READ_ONLY_PASSWORD", "reader-pass");

    private static HttpResponse<String> get(Running server, String path, String credentials) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path));
        if (credentials != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @DisplayName("with prometheus, an admin scrapes /metrics as Prometheus text holding request timers by route")
    void adminScrapes() throws Exception {
        try (Running server = StandaloneServer.start(PROMETHEUS)) {
            assertThat(get(server, "/v1/platforms", "admin:given-pass").statusCode()).isEqualTo(200);
            assertThat(get(server, "/v1/service_brokers/some-id", "admin:given-pass").statusCode()).isEqualTo(404);

            HttpResponse<String> scrape = get(server, "/metrics", "admin:given-pass");

            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                    assertThat(type).startsWith("text/plain").contains("version=0.0.4"));
            assertThat(scrape.body())
                    .contains("servicemanager_requests_seconds_count{method=\"GET\",route=\"/v1/platforms\",status=\"200\"} 1")
                    .contains("route=\"/v1/service_brokers/{id}\",status=\"404\"")
                    .doesNotContain("some-id")
                    .contains("servicemanager_cache_gets_total{cache=\"osb.catalog\",result=\"hit\"}")
                    .contains("jvm_memory_used_bytes");
        }
    }

    @Test
    @DisplayName("/metrics refuses a caller without credentials or with wrong ones (401)")
    void anonymousRefused() throws Exception {
        try (Running server = StandaloneServer.start(PROMETHEUS)) {
            assertThat(get(server, "/metrics", null).statusCode()).isEqualTo(401);
            assertThat(get(server, "/metrics", "admin:wrong").statusCode()).isEqualTo(401);
        }
    }

    @Test
    @DisplayName("a read-only operator may scrape too: metrics hold no secret")
    void readOnlyScrapes() throws Exception {
        try (Running server = StandaloneServer.start(PROMETHEUS)) {
            assertThat(get(server, "/metrics", "reader:reader-pass").statusCode()).isEqualTo(200);
        }
    }

    @Test
    @DisplayName("is off by default: there is no /metrics")
    void offByDefault() throws Exception {
        try (Running server = StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "given-pass"))) {
            assertThat(get(server, "/metrics", "admin:given-pass").statusCode()).isEqualTo(404);
        }
    }

    @Test
    @DisplayName("with a database, the connection pool's own metrics are scraped too")
    void poolMetrics(@TempDir Path dataDir) throws Exception {
        try (Running server = StandaloneServer.start(Map.of("SM_PORT", "0", "SM_ADMIN_PASSWORD", "given-pass",
                "SM_METRICS", "prometheus", "SM_DATA_DIR", dataDir.toString()))) {
            assertThat(get(server, "/metrics", "admin:given-pass").body()).contains("hikaricp_connections_active");
        }
    }

    @Test
    @DisplayName("rejects an unknown SM_METRICS value, naming it")
    void badValue() {
        assertThatThrownBy(() -> StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_METRICS", "graphite")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("SM_METRICS").hasMessageContaining("graphite");
    }
}
