package org.servicemanager.benchmarks;

import java.util.Arrays;
import org.servicemanager.test.junit.ServiceManagerExtension;
import org.servicemanager.test.junit.ServiceManagerRuntimeInfo;

/**
 * {@code fixture [iterations=200] [warmup=100]}: what one test pays for its own Service Manager with
 * the JUnit fixture. Each iteration drives {@link ServiceManagerExtension} as JUnit does for an
 * instance field: start (memory store, administrator, HTTP on loopback), start a WireMock broker
 * stub and register it (the Service Manager fetches its catalog over HTTP), then stop everything.
 * Reports the median and 90th percentile of the whole cycle, and of each phase. Not thread-safe;
 * run once per JVM.
 */
final class FixtureBenchmark {
    private FixtureBenchmark() {
    }

    static void run(int iterations, int warmup) throws Exception {
        ServiceManagerExtension extension = ServiceManagerExtension.newInstance().build();
        for (int i = 0; i < warmup; i++) {
            cycle(extension, null, 0);
        }
        long[][] phases = new long[4][iterations];
        for (int i = 0; i < iterations; i++) {
            cycle(extension, phases, i);
        }
        long[] total = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            total[i] = phases[0][i] + phases[1][i] + phases[2][i] + phases[3][i];
        }
        System.out.printf("fixture: %d iterations after %d warm-up, milliseconds%n", iterations, warmup);
        print("whole cycle", total);
        print("start Service Manager + HTTP", phases[0]);
        print("start broker stub", phases[1]);
        print("register broker", phases[2]);
        print("stop everything", phases[3]);
    }

    /** One test's worth; the JUnit context is not used by the instance-field callbacks. */
    private static void cycle(ServiceManagerExtension extension, long[][] phases, int i) throws Exception {
        long t0 = System.nanoTime();
        extension.beforeEach(null);
        ServiceManagerRuntimeInfo info = extension.runtimeInfo();
        long t1 = System.nanoTime();
        var stub = info.brokerStub();
        long t2 = System.nanoTime();
        info.registerBroker("broker", stub);
        long t3 = System.nanoTime();
        extension.afterEach(null);
        long t4 = System.nanoTime();
        if (phases != null) {
            phases[0][i] = t1 - t0;
            phases[1][i] = t2 - t1;
            phases[2][i] = t3 - t2;
            phases[3][i] = t4 - t3;
        }
    }

    private static void print(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("  %-30s median %7.1f   p90 %7.1f%n", what, sorted[sorted.length / 2] / 1e6,
                sorted[(int) Math.ceil(sorted.length * 0.9) - 1] / 1e6);
    }
}
