package org.servicemanager.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.memory.MemoryStore;

/**
 * The central-broker benchmark: the same workload sent directly to a {@link MiniBroker} and through
 * the Service Manager (memory store, JDK adapter) in one run: (a) provision + deprovision cycles,
 * (b) catalog GETs. Client, Service Manager and broker share the machine's cores; the client runs
 * a fixed number of closed-loop threads.
 */
final class OsbBenchmark {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private OsbBenchmark() {
    }

    static void run(int threads, int seconds, String serverKind) throws Exception {
        String adminPassword = "bench-" + UUID.randomUUID();
        ServiceManager sm = ServiceManager.builder().store(new MemoryStore()).adminUser("admin", adminPassword)
                .build();
        try (MiniBroker broker = new MiniBroker();
                BareProxy bare = new BareProxy(broker.url());
                Served server = Served.start(sm, serverKind)) {
            String admin = basic("admin", adminPassword);
            HttpClient client = HttpClient.newHttpClient();
            JsonNode platform = post(client, server.baseUrl() + "/v1/platforms", admin,
                    "{\"name\":\"bench-platform\",\"type\":\"kubernetes\"}");
            String platformAuth = basic(platform.at("/credentials/basic/username").asText(),
                    platform.at("/credentials/basic/password").asText());
            JsonNode registered = post(client, server.baseUrl() + "/v1/service_brokers", admin,
                    "{\"name\":\"bench-broker\",\"broker_url\":\"" + broker.url() + "\",\"credentials\":"
                            + "{\"basic\":{\"username\":\"u\",\"password\":\"p\"}}}");
            JsonNode plans = get(client, server.baseUrl() + "/v1/service_plans?max_items=500", admin);
            for (JsonNode plan : plans.get("items")) {
                post(client, server.baseUrl() + "/v1/visibilities", admin,
                        "{\"service_plan_id\":\"" + plan.get("id").asText() + "\"}");
            }
            String direct = broker.url();
            String proxied = server.baseUrl() + "/v1/osb/" + registered.get("id").asText();
            String brokerAuth = basic("u", "p");

            LoadRunner runner = new LoadRunner();
            int rounds = Integer.getInteger("bench.rounds", 3);
            Duration warmup = Duration.ofSeconds(Math.max(5, seconds / 2));
            Duration measure = Duration.ofSeconds(seconds);
            System.out.printf("osb: %d offerings x %d plans; broker work %d ms per provision/deprovision; %d client"
                            + " threads on %d cores; server %s; JDK %s; common pool parallelism %d%n",
                    MiniBroker.OFFERINGS, MiniBroker.PLANS, MiniBroker.WORK_MILLIS, threads,
                    Runtime.getRuntime().availableProcessors(), serverKind, Runtime.version(),
                    java.util.concurrent.ForkJoinPool.getCommonPoolParallelism());
            Map<String, IntFunction<List<HttpRequest>>> scenarios = new LinkedHashMap<>();
            scenarios.put(DIRECT_CYCLES, i -> cycle(direct, brokerAuth));
            scenarios.put(BARE_CYCLES, i -> cycle(bare.url(), brokerAuth));
            scenarios.put(SM_CYCLES, i -> cycle(proxied, platformAuth));
            scenarios.put(DIRECT_CATALOG, i -> List.of(osb("GET", direct + "/v2/catalog", brokerAuth, null)));
            scenarios.put(SM_CATALOG, i -> List.of(osb("GET", proxied + "/v2/catalog", platformAuth, null)));
            String only = System.getProperty("bench.only");
            if (only != null) {
                // For profiling: one scenario, so that a recording holds nothing else.
                scenarios.keySet().removeIf(name -> !name.contains(only));
            }
            // Every scenario is warmed before any is measured, in passes over all of them until the JIT
            // compiler is (nearly) done: the proxied paths run through far more code (Jetty, the
            // Service Manager, a second HttpClient), and on two cores the compiler competes with them.
            for (int pass = 1; pass <= MAX_WARMUP_PASSES; pass++) {
                long jitStart = LoadRunner.jitMillis();
                long start = System.nanoTime();
                for (var scenario : scenarios.entrySet()) {
                    runner.warm(threads, warmup, scenario.getValue());
                }
                double share = (LoadRunner.jitMillis() - jitStart) / ((System.nanoTime() - start) / 1e6);
                System.out.printf("warm-up pass %d: JIT compiler busy %.1f%% of the time%n", pass, 100 * share);
                if (share < SETTLED_JIT_SHARE) {
                    break;
                }
            }
            // Rounds of all scenarios in turn, so that a slower stretch of the machine hits all of them.
            Map<String, List<LoadRunner.Result>> results = new LinkedHashMap<>();
            for (int round = 1; round <= rounds; round++) {
                for (var scenario : scenarios.entrySet()) {
                    LoadRunner.Result result = runner.measure(scenario.getKey(), threads, measure, scenario.getValue());
                    results.computeIfAbsent(scenario.getKey(), k -> new ArrayList<>()).add(result);
                    System.out.println("round " + round + ": " + result.line());
                }
            }
            System.out.println();
            System.out.println("medians of " + rounds + " rounds:");
            results.forEach((name, list) -> System.out.println(median(list).line()));
            compare(results, DIRECT_CYCLES, BARE_CYCLES);
            compare(results, DIRECT_CYCLES, SM_CYCLES);
            compare(results, BARE_CYCLES, SM_CYCLES);
            compare(results, DIRECT_CATALOG, SM_CATALOG);
        }
    }

    private static final int MAX_WARMUP_PASSES = 8;
    private static final double SETTLED_JIT_SHARE = 0.02;
    private static final String DIRECT_CYCLES = "(a) provision+deprovision, direct";
    private static final String BARE_CYCLES = "(a) provision+deprovision, bare proxy";
    private static final String SM_CYCLES = "(a) provision+deprovision, through SM";
    private static final String DIRECT_CATALOG = "(b) GET /v2/catalog, direct";
    private static final String SM_CATALOG = "(b) GET /v2/catalog, through SM";

    /** The round with the median throughput. */
    private static LoadRunner.Result median(List<LoadRunner.Result> rounds) {
        List<LoadRunner.Result> sorted = new ArrayList<>(rounds);
        sorted.sort(java.util.Comparator.comparingDouble(LoadRunner.Result::throughput));
        return sorted.get(sorted.size() / 2);
    }

    /** Per-round ratios of two scenarios (both ran in the same round), and their medians. */
    private static void compare(Map<String, List<LoadRunner.Result>> results, String first, String second) {
        List<LoadRunner.Result> a = results.get(first);
        List<LoadRunner.Result> b = results.get(second);
        if (a == null || b == null) {
            return;
        }
        double[] throughput = new double[a.size()];
        double[] added = new double[a.size()];
        double[] addedPerRequest = new double[a.size()];
        for (int i = 0; i < a.size(); i++) {
            throughput[i] = 100 * b.get(i).throughput() / a.get(i).throughput();
            added[i] = (b.get(i).p50Micros() - a.get(i).p50Micros()) / 1000;
            addedPerRequest[i] = (b.get(i).requestP50Micros() - a.get(i).requestP50Micros()) / 1000;
        }
        System.out.printf("%s / %s: throughput %s%% (median %.0f%%); p50 added per iteration %s ms (median %.3f),"
                        + " per request %s ms (median %.3f)%n", second, first, list(throughput, "%.0f"),
                medianOf(throughput), list(added, "%.3f"), medianOf(added), list(addedPerRequest, "%.3f"),
                medianOf(addedPerRequest));
    }

    private static String list(double[] values, String format) {
        return java.util.Arrays.stream(values).mapToObj(v -> String.format(format, v))
                .collect(java.util.stream.Collectors.joining(" "));
    }

    private static double medianOf(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static List<HttpRequest> cycle(String base, String auth) {
        String id = UUID.randomUUID().toString();
        String instance = base + "/v2/service_instances/" + id;
        return List.of(
                osb("PUT", instance, auth, "{\"service_id\":\"svc-1\",\"plan_id\":\"svc-1-plan-2\","
                        + "\"context\":{\"platform\":\"kubernetes\",\"namespace\":\"bench\"},"
                        + "\"organization_guid\":\"-\",\"space_guid\":\"-\"}"),
                osb("DELETE", instance + "?service_id=svc-1&plan_id=svc-1-plan-2", auth, null));
    }

    private static HttpRequest osb(String method, String url, String auth, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", auth)
                .header("X-Broker-API-Version", "2.17");
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        return builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build();
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode post(HttpClient client, String url, String auth, String body) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", auth).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("POST " + url + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return MAPPER.readTree(response.body());
    }

    private static JsonNode get(HttpClient client, String url, String auth) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", auth).GET().build(), HttpResponse.BodyHandlers.ofString());
        return MAPPER.readTree(response.body());
    }
}
