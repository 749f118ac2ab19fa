package org.servicemanager.benchmarks;

import java.util.Arrays;

/**
 * Entry point: {@code java -jar benchmarks/target/sm-benchmarks.jar <registry|osb|instances> [threads] [seconds] [jetty|jdk]},
 * or {@code proxy-fanout [proxies] [changes] [store]} and {@code proxy-resync [brokers] [plans] [store]},
 * or {@code operations [count] [pollMillis]}, or {@code fixture [iterations] [warmup]}
 * (defaults: 2 client threads, 10 measured seconds per scenario after a warm-up of half that, the
 * Service Manager on Jetty 12 with the servlet as the standalone server runs it).
 */
public final class Benchmarks {
    private Benchmarks() {
    }

    public static void main(String[] args) throws Exception {
        // As the standalone server does: no new thread per broker call on small machines.
        org.servicemanager.core.JvmTuning.sizeCommonPool();
        // Idle connections must expire in the clients before the servers (Jetty, the JDK server: 30 s)
        // close them, or a client that reuses one as it closes fails a request between scenarios.
        if (System.getProperty("jdk.httpclient.keepalive.timeout") == null) {
            System.setProperty("jdk.httpclient.keepalive.timeout", "10");
        }
        // The JDK server reads this once; without it each small answer waits for a delayed ACK.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        String which = args.length > 0 ? args[0] : "registry";
        if (which.equals("operations")) {
            OperationsBenchmark.run(args.length > 1 ? Integer.parseInt(args[1]) : 200,
                    args.length > 2 ? Long.parseLong(args[2]) : 1000);
            return;
        }
        if (which.equals("fixture")) {
            // The fixture's own lines (a Service Manager started and stopped hundreds of times) are not measured.
            if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
                System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
            }
            FixtureBenchmark.run(args.length > 1 ? Integer.parseInt(args[1]) : 200,
                    args.length > 2 ? Integer.parseInt(args[2]) : 100);
            return;
        }
        if (which.startsWith("proxy-")) {
            proxyBenchmark(which, args);
            return;
        }
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        String server = args.length > 3 ? args[3] : "jetty";
        switch (which) {
            case "registry" -> RegistryBenchmark.run(threads, seconds, server);
            case "osb" -> OsbBenchmark.run(threads, seconds, server);
            case "instances" -> InstancesBenchmark.run(threads, seconds, server);
            default -> {
                System.err.println("unknown benchmark '" + which + "' in " + Arrays.toString(args)
                        + "; use registry, osb, instances, operations, fixture, proxy-fanout or proxy-resync");
                System.exit(2);
            }
        }
    }

    /**
     * {@code proxy-fanout [proxies] [changes] [memory|h2|postgresql]} and
     * {@code proxy-resync [brokers] [plans] [memory|h2|postgresql]}.
     */
    private static void proxyBenchmark(String which, String[] args) throws Exception {
        // Hundreds of proxies log every connection and resync at INFO; that is not what is measured.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        String store = args.length > 3 ? args[3] : "memory";
        switch (which) {
            case "proxy-fanout" -> {
                int proxies = args.length > 1 ? Integer.parseInt(args[1]) : 500;
                int changes = args.length > 2 ? Integer.parseInt(args[2]) : 20;
                ProxyFanoutBenchmark.run(proxies, changes, Integer.getInteger("bench.rawClients", proxies), store);
            }
            case "proxy-resync" -> {
                int brokers = args.length > 1 ? Integer.parseInt(args[1]) : 100;
                int plans = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
                ProxyResyncBenchmark.run(brokers, plans, Integer.getInteger("bench.rounds", 5), store);
            }
            default -> {
                System.err.println("unknown benchmark '" + which + "'; use proxy-fanout or proxy-resync");
                System.exit(2);
            }
        }
    }
}
