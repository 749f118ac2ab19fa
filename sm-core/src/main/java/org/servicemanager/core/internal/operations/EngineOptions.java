package org.servicemanager.core.internal.operations;

import java.time.Duration;
import java.util.Objects;

/**
 * How the operations engine schedules its work; the values come from the Service Manager's
 * builder, which checks them. Immutable.
 *
 * @param pollInterval       the delay between {@code last_operation} polls when the broker sends no {@code Retry-After}
 * @param retryInterval      the first delay before retrying a failed orphan mitigation or credential fetch
 * @param maxPollingDuration the longest an asynchronous operation is polled (a plan's
 *                           {@code maximum_polling_duration} may shorten it)
 * @param retention          how long finished operations are kept
 * @param lease              how long a node holds an operation it works without renewing (more than the read timeout)
 * @param background         whether this node works operations on its own threads (false: only {@code runDue()})
 */
public record EngineOptions(Duration pollInterval, Duration retryInterval, Duration maxPollingDuration,
        Duration retention, Duration lease, boolean background) {
    public EngineOptions {
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(retryInterval, "retryInterval");
        Objects.requireNonNull(maxPollingDuration, "maxPollingDuration");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(lease, "lease");
    }
}
