/**
 * Micrometer metrics for a Service Manager: {@link org.servicemanager.micrometer.MicrometerMetrics}
 * implements the core's {@link org.servicemanager.core.ServiceManagerMetrics} over any
 * {@link io.micrometer.core.instrument.MeterRegistry} the host chooses.
 */
package org.servicemanager.micrometer;
