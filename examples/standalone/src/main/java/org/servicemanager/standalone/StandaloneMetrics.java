package org.servicemanager.standalone;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import java.util.Map;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.micrometer.MicrometerMetrics;

/**
 * {@code SM_METRICS}: {@code off} (the default) or {@code prometheus}, which records the Service
 * Manager's metrics, the connection pool's (HikariCP's own Micrometer tracker) and a few cheap JVM
 * ones in a Prometheus registry, served as Prometheus text at {@code GET /metrics} to operators
 * (admin or read-only credentials, as every other read). Not thread-safe: used while starting.
 */
final class StandaloneMetrics {
    /** Prometheus' text exposition format, which every Prometheus server scrapes. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;

    private StandaloneMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    /** @return {@code null} when metrics are off */
    static StandaloneMetrics read(Map<String, String> env) {
        String value = env.get("SM_METRICS");
        String mode = value == null || value.isBlank() ? "off" : value.trim().toLowerCase(Locale.ROOT);
        return switch (mode) {
            case "off" -> null;
            case "prometheus" -> new StandaloneMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
            default -> throw new StandaloneServer.ConfigurationException("SM_METRICS must be off or prometheus, was '"
                    + value + "'");
        };
    }

    /** Records into the registry and serves it; binds the storage's pool, if it has one. */
    void apply(ServiceManager.Builder builder, StandaloneStorage.Opened storage) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        HikariDataSource pool = storage.hikari();
        if (pool != null) {
            // HikariCP's own gauges (active, idle, pending connections, timeouts, acquire times).
            pool.setMetricRegistry(registry);
        }
        builder.metrics(MicrometerMetrics.of(registry)).metricsEndpoint(PROMETHEUS_TEXT, registry::scrape);
    }
}
