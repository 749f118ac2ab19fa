package org.servicemanager.benchmarks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Sends requests from a fixed number of client threads, each waiting for its answer before the
 * next (closed loop), first for a warm-up period and then for a measured one. On a two-core
 * machine the client competes with the server for CPU, so the concurrency is kept small and is
 * reported with the numbers.
 */
final class LoadRunner {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String authorization;

    LoadRunner(String authorization) {
        this.authorization = authorization;
    }

    /** The measured figures of one scenario. */
    record Result(String name, int threads, long requests, double seconds, double p50Micros, double p99Micros,
            double maxMicros, long errors) {
        double throughput() {
            return requests / seconds;
        }

        String line() {
            return String.format("%-48s threads=%d  requests=%,d  throughput=%,.0f req/s  p50=%.3f ms  p99=%.3f ms"
                            + "  max=%.3f ms  errors=%d",
                    name, threads, requests, throughput(), p50Micros / 1000, p99Micros / 1000, maxMicros / 1000,
                    errors);
        }
    }

    /**
     * Runs {@code urls.apply(i)} for the i-th request of each thread.
     *
     * @throws IllegalStateException if any answer was not 200 (a benchmark of errors is worthless)
     */
    Result run(String name, int threads, Duration warmup, Duration measure, IntFunction<String> urls)
            throws InterruptedException {
        loop(threads, warmup, urls, null);
        List<long[]> perThread = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        List<long[]> samples = loop(threads, measure, urls, errors);
        double seconds = (System.nanoTime() - start) / 1e9;
        perThread.addAll(samples);
        int total = perThread.stream().mapToInt(a -> (int) a[0]).sum();
        long[] all = new long[total];
        int offset = 0;
        for (long[] s : perThread) {
            int n = (int) s[0];
            System.arraycopy(s, 1, all, offset, n);
            offset += n;
        }
        Arrays.sort(all);
        if (errors.get() > 0) {
            throw new IllegalStateException(name + ": " + errors.get() + " requests did not answer 200");
        }
        return new Result(name, threads, total, seconds, percentile(all, 0.50), percentile(all, 0.99),
                all.length == 0 ? 0 : all[all.length - 1] / 1000.0, errors.get());
    }

    private List<long[]> loop(int threads, Duration duration, IntFunction<String> urls, AtomicLong errors)
            throws InterruptedException {
        long deadline = System.nanoTime() + duration.toNanos();
        List<long[]> results = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long[] samples = new long[4_000_001];
            results.add(samples);
            int seed = t * 7919;
            Thread worker = new Thread(() -> {
                int i = seed;
                int n = 0;
                while (System.nanoTime() < deadline && n < samples.length - 1) {
                    HttpRequest request = HttpRequest.newBuilder(URI.create(urls.apply(i++)))
                            .header("Authorization", authorization).GET().build();
                    long begin = System.nanoTime();
                    try {
                        HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                        long took = System.nanoTime() - begin;
                        if (response.statusCode() != 200 && errors != null) {
                            errors.incrementAndGet();
                        }
                        samples[++n] = took;
                    } catch (Exception e) {
                        if (errors != null) {
                            errors.incrementAndGet();
                        }
                    }
                }
                samples[0] = n;
            }, "bench-client-" + t);
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        return results;
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1000.0;
    }
}
