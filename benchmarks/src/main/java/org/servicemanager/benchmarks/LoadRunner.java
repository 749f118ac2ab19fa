package org.servicemanager.benchmarks;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * Runs iterations from a fixed number of client threads, each sending an iteration's requests one
 * after the other and waiting for each answer (closed loop), first for a warm-up period and then
 * for a measured one. An iteration's latency is the time for all its requests. On a two-core
 * machine the client competes with the server for CPU, so concurrency is kept small and reported
 * with the numbers.
 */
final class LoadRunner {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /**
     * The measured figures of one scenario: per iteration, and per single request (an iteration may
     * send several); {@code jitMillis} is the JIT compiler's time during the measurement, which
     * should be near zero once the code is warm.
     */
    record Result(String name, int threads, long iterations, double seconds, double p50Micros, double p99Micros,
            double maxMicros, double cpuMicrosPerIteration, double requestP50Micros, double requestP99Micros,
            long jitMillis) {
        double throughput() {
            return iterations / seconds;
        }

        String line() {
            return String.format("%-44s threads=%d  n=%,d  throughput=%,.0f/s  p50=%.3f ms  p99=%.3f ms  max=%.3f ms"
                            + "  cpu=%.0f us/it  per request p50=%.3f ms p99=%.3f ms  jit=%d ms", name, threads,
                    iterations, throughput(), p50Micros / 1000, p99Micros / 1000, maxMicros / 1000,
                    cpuMicrosPerIteration, requestP50Micros / 1000, requestP99Micros / 1000, jitMillis);
        }
    }

    /**
     * Runs {@code iteration.apply(i)} for the i-th iteration of each thread.
     *
     * @throws IllegalStateException if any answer was not 2xx (a benchmark of errors is worthless)
     */
    Result run(String name, int threads, Duration warmup, Duration measure, IntFunction<List<HttpRequest>> iteration)
            throws InterruptedException {
        warm(threads, warmup, iteration);
        return measure(name, threads, measure, iteration);
    }

    /** Runs iterations without measuring, so that the JIT compiles the paths they take. */
    void warm(int threads, Duration warmup, IntFunction<List<HttpRequest>> iteration) throws InterruptedException {
        loop(threads, warmup, iteration);
    }

    /** Runs iterations for {@code measure} and returns their figures. */
    Result measure(String name, int threads, Duration measure, IntFunction<List<HttpRequest>> iteration)
            throws InterruptedException {
        long start = System.nanoTime();
        long cpuStart = processCpuNanos();
        long jitStart = jitMillis();
        List<long[][]> samples = loop(threads, measure, iteration);
        double seconds = (System.nanoTime() - start) / 1e9;
        long cpu = processCpuNanos() - cpuStart;
        long jit = jitMillis() - jitStart;
        long[] iterations = merge(samples, 0);
        long[] requests = merge(samples, 1);
        int total = iterations.length;
        return new Result(name, threads, total, seconds, percentile(iterations, 0.50), percentile(iterations, 0.99),
                total == 0 ? 0 : iterations[total - 1] / 1000.0, total == 0 ? 0 : cpu / 1000.0 / total,
                percentile(requests, 0.50), percentile(requests, 0.99), jit);
    }

    /** The sorted samples of one kind ({@code 0} iterations, {@code 1} requests) of all threads. */
    private static long[] merge(List<long[][]> samples, int kind) {
        long[] all = new long[samples.stream().mapToInt(a -> (int) a[kind][0]).sum()];
        int offset = 0;
        for (long[][] s : samples) {
            int n = (int) s[kind][0];
            System.arraycopy(s[kind], 1, all, offset, n);
            offset += n;
        }
        Arrays.sort(all);
        return all;
    }

    /** The JIT compiler's total time so far, in milliseconds (summed over its threads). */
    static long jitMillis() {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /** CPU time of the whole process (client, server and broker alike), in nanoseconds. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private List<long[][]> loop(int threads, Duration duration, IntFunction<List<HttpRequest>> iteration)
            throws InterruptedException {
        long deadline = System.nanoTime() + duration.toNanos();
        List<long[][]> results = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong counter = new AtomicLong();
        for (int t = 0; t < threads; t++) {
            long[] samples = new long[2_000_001];
            long[] perRequest = new long[4_000_001];
            results.add(new long[][] {samples, perRequest});
            Thread worker = new Thread(() -> {
                int n = 0;
                int r = 0;
                while (System.nanoTime() < deadline && n < samples.length - 1 && failure.get() == null) {
                    List<HttpRequest> requests = iteration.apply((int) counter.getAndIncrement());
                    long begin = System.nanoTime();
                    try {
                        for (HttpRequest request : requests) {
                            long sent = System.nanoTime();
                            HttpResponse<byte[]> response =
                                    client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                            if (r < perRequest.length - 1) {
                                perRequest[++r] = System.nanoTime() - sent;
                            }
                            if (response.statusCode() / 100 != 2) {
                                failure.compareAndSet(null, request.method() + " " + request.uri() + " answered "
                                        + response.statusCode() + ": " + new String(response.body()));
                            }
                        }
                    } catch (Exception e) {
                        failure.compareAndSet(null, e.toString());
                    }
                    samples[++n] = System.nanoTime() - begin;
                }
                samples[0] = n;
                perRequest[0] = r;
            }, "bench-client-" + t);
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a request failed: " + failure.get());
        }
        return results;
    }

    private static double percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : percentileOf(sorted, p) / 1000.0;
    }

    /** The nearest-rank {@code p} percentile of {@code sorted}, which must not be empty. */
    static long percentileOf(long[] sorted, double p) {
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
