/** Load benchmarks: a seeded Service Manager on loopback HTTP and a bounded-concurrency client measuring latency percentiles. */
package org.servicemanager.benchmarks;
