package org.servicemanager.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.ServiceManagerMetrics;

/**
 * The Service Manager's metrics in a Micrometer registry:
 * <ul>
 *   <li>{@value #REQUESTS}: a timer per route pattern, method and status (tags {@code route},
 *       {@code method}, {@code status});</li>
 *   <li>{@value #BROKER_CALLS}: a timer per broker, OSB operation and outcome (tags {@code broker},
 *       {@code operation}, {@code outcome}: {@code success}, {@code client_error},
 *       {@code server_error}, {@code timeout}, {@code unreachable}, {@code error}), so errors are
 *       the counts of the non-success outcomes;</li>
 *   <li>{@value #CACHE_GETS} (tags {@code cache}, {@code result}: {@code hit} or {@code miss}) and
 *       {@value #CACHE_SIZE} (tag {@code cache}) for each internal cache, following the names of
 *       Micrometer's own cache metrics so dashboards compute hit ratios the usual way.</li>
 * </ul>
 * Use: {@code ServiceManager.builder().metrics(MicrometerMetrics.of(registry))}. Store pool metrics
 * come from the pool itself (HikariCP's {@code setMetricRegistry(registry)}).
 *
 * <p>Thread-safe. Timers are looked up in a map of this class's own before the registry's, so the
 * cost per request is one map look-up and one record.
 */
public final class MicrometerMetrics implements ServiceManagerMetrics {
    /** Request timer name. */
    public static final String REQUESTS = "servicemanager.requests";
    /** Broker call timer name. */
    public static final String BROKER_CALLS = "servicemanager.broker.calls";
    /** Cache look-up counter name. */
    public static final String CACHE_GETS = "servicemanager.cache.gets";
    /** Cache size gauge name. */
    public static final String CACHE_SIZE = "servicemanager.cache.size";

    private record RequestKey(String method, String route, int status) {
    }

    private record BrokerKey(String broker, String operation, String outcome) {
    }

    private final MeterRegistry registry;
    // The registry's own look-up builds tags and ids per call; a record key is cheaper on the hot path.
    private final ConcurrentHashMap<RequestKey, Timer> requests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<BrokerKey, Timer> brokerCalls = new ConcurrentHashMap<>();

    private MicrometerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Metrics recorded in {@code registry}. */
    public static MicrometerMetrics of(MeterRegistry registry) {
        return new MicrometerMetrics(Objects.requireNonNull(registry, "registry"));
    }

    @Override
    public void requestCompleted(String method, String route, int status, long nanos) {
        requests.computeIfAbsent(new RequestKey(method, route, status), key -> Timer.builder(REQUESTS)
                        .description("Requests the Service Manager answered, by route pattern, method and status")
                        .tags(Tags.of("route", key.route(), "method", key.method(),
                                "status", Integer.toString(key.status())))
                        .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void brokerCall(String broker, String operation, String outcome, long nanos) {
        brokerCalls.computeIfAbsent(new BrokerKey(broker, operation, outcome), key -> Timer.builder(BROKER_CALLS)
                        .description("Calls of the Service Manager to service brokers, by broker, operation and outcome")
                        .tags(Tags.of("broker", key.broker(), "operation", key.operation(),
                                "outcome", key.outcome()))
                        .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void bind(ServiceManager serviceManager) {
        for (CacheStatistics cache : serviceManager.cacheStatistics()) {
            FunctionCounter.builder(CACHE_GETS, cache, CacheStatistics::hits)
                    .description("Look-ups in a Service Manager cache answered from memory (hit) or not (miss)")
                    .tags("cache", cache.name(), "result", "hit")
                    .register(registry);
            FunctionCounter.builder(CACHE_GETS, cache, CacheStatistics::misses)
                    .description("Look-ups in a Service Manager cache answered from memory (hit) or not (miss)")
                    .tags("cache", cache.name(), "result", "miss")
                    .register(registry);
            Gauge.builder(CACHE_SIZE, cache, CacheStatistics::size)
                    .description("Entries in a Service Manager cache")
                    .tags("cache", cache.name())
                    .register(registry);
        }
    }
}
