package org.servicemanager.core;

/**
 * What a Service Manager reports about itself, for a host's metrics library (the optional
 * {@code sm-micrometer} module implements it over Micrometer). The core depends on no metrics
 * library: it calls these methods and the host records what it wants. Every method has an empty
 * default and {@link #NONE}, the default of {@link ServiceManager.Builder#metrics}, costs nothing.
 *
 * <p>Tags are bounded by design: a request is named by its route <em>pattern</em>
 * ({@code /v1/service_plans/{id}}), never by its path, so ids never become tag values.
 *
 * <p>Implementations must be thread-safe and fast: the request and broker callbacks run on the
 * threads that serve requests, once per call, and must not throw or block.
 */
public interface ServiceManagerMetrics {
    /** Records nothing. */
    ServiceManagerMetrics NONE = new ServiceManagerMetrics() {
    };

    /** The route pattern of requests that matched no route (404 or 405), so they still count. */
    String UNMATCHED_ROUTE = "unmatched";

    /**
     * A request was answered.
     *
     * @param method  the HTTP method as received (HEAD included)
     * @param route   the pattern of the route that served it, e.g. {@code /v1/service_brokers/{id}},
     *                or {@link #UNMATCHED_ROUTE}
     * @param status  the HTTP status of the answer
     * @param nanos   the time from receiving the request to having the answer
     */
    default void requestCompleted(String method, String route, int status, long nanos) {
    }

    /**
     * An outbound call to a service broker ended.
     *
     * @param broker    the broker's name
     * @param operation what was asked, from the OSB path and method: {@code catalog},
     *                  {@code provision}, {@code update}, {@code deprovision}, {@code fetch_instance},
     *                  {@code instance_last_operation}, {@code bind}, {@code unbind},
     *                  {@code fetch_binding}, {@code binding_last_operation}, or {@code other}
     * @param outcome   {@code success} (2xx), {@code client_error} (4xx), {@code server_error} (5xx
     *                  or other), {@code timeout}, {@code unreachable} or {@code error} (no usable
     *                  answer, e.g. too large)
     * @param nanos     the time from sending to the end of the answer (or the failure)
     */
    default void brokerCall(String broker, String operation, String outcome, long nanos) {
    }

    /**
     * Called once, at the end of {@link ServiceManager.Builder#build()}, with the Service Manager
     * just built, so that gauges can read its {@link ServiceManager#cacheStatistics() caches}.
     * The Service Manager is fully built, but not serving yet.
     */
    default void bind(ServiceManager serviceManager) {
    }

    /**
     * The counts of one of the Service Manager's internal caches, read live. Thread-safe.
     */
    interface CacheStatistics {
        /** A short stable name, e.g. {@code osb.catalog}. */
        String name();

        /** Look-ups answered from the cache. */
        long hits();

        /** Look-ups that had to read (or wait for another caller's read). */
        long misses();

        /** The entries held now (approximate). */
        long size();
    }
}
