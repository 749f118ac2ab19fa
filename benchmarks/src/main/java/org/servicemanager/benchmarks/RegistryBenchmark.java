package org.servicemanager.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;
import org.servicemanager.api.model.BrokerCredentials;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.PlatformCredentials;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.model.Visibility;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.micrometer.MicrometerMetrics;
import org.servicemanager.oauth.BuiltInIssuer;
import org.servicemanager.storage.memory.MemoryStore;

/**
 * The registry benchmark: 1,000 plans and 10,000 labelled visibilities in the memory store, served
 * over loopback HTTP by the JDK adapter, then timed label-query pages of visibilities and plan
 * fetches by id, as an administrator.
 */
final class RegistryBenchmark {
    static final int BROKERS = 10;
    static final int OFFERINGS_PER_BROKER = 10;
    static final int PLANS_PER_OFFERING = 10;
    static final int PLATFORMS = 10;
    static final int ORGS = 100;

    private RegistryBenchmark() {
    }

    static void run(int threads, int seconds, String serverKind) throws Exception {
        String metrics = System.getProperty("bench.metrics", "off");
        switch (metrics) {
            case "off", "on" -> {
            }
            case "compare" -> {
                compareMetrics(threads, seconds, serverKind);
                return;
            }
            default -> throw new IllegalArgumentException("bench.metrics must be off, on or compare, was '" + metrics
                    + "'");
        }
        Store store = new MemoryStore();
        String password = "bench-" + UUID.randomUUID();
        // The built-in issuer signs RS256 tokens; its URL only names the issuer (the token is
        // fetched through handle(), not over the network), so the port need not be known yet.
        BuiltInIssuer issuer = BuiltInIssuer.builder().issuerUrl("http://127.0.0.1/oauth").build();
        ServiceManager.Builder builder = ServiceManager.builder().store(store).adminUser("admin", password)
                .tokenIssuer(issuer);
        if (metrics.equals("on")) {
            builder.metrics(prometheusMetrics());
        }
        ServiceManager sm = builder.build();
        // Seeded after the build: the start checks the encryption key against a stored broker's
        // credentials, and the seeded ones are not sealed (no broker is ever called).
        List<String> planIds = seed(store);
        try (Served server = Served.start(sm, serverKind)) {
            String base = server.baseUrl();
            String basic = OsbBenchmark.basic("admin", password);
            String bearer = "Bearer " + accessToken(sm, password);
            LoadRunner runner = new LoadRunner();
            Duration warmup = Duration.ofSeconds(Math.max(2, seconds / 2));
            Duration measure = Duration.ofSeconds(seconds);
            int rounds = Integer.getInteger("bench.rounds", 3);
            System.out.printf("registry: %d plans, %d visibilities; %d client threads on %d cores; server %s; JDK %s;"
                            + " %d rounds%n", planIds.size(), planIds.size() * PLATFORMS, threads,
                    Runtime.getRuntime().availableProcessors(), serverKind, Runtime.version(), rounds);
            Map<String, IntFunction<List<HttpRequest>>> scenarios = new LinkedHashMap<>();
            scenarios.put("GET /v1/visibilities?labelQuery=...&max_items=50", i -> List.of(get(base
                    + "/v1/visibilities?max_items=50&labelQuery=" + URLEncoder.encode("organization_guid eq 'org-"
                    + Math.floorMod(i, ORGS) + "'", StandardCharsets.UTF_8), basic)));
            scenarios.put("GET /v1/service_plans/{id} (Basic)", i -> List.of(get(base + "/v1/service_plans/"
                    + planIds.get(Math.floorMod(i * 31, planIds.size())), basic)));
            scenarios.put("GET /v1/service_plans/{id} (Bearer)", i -> List.of(get(base + "/v1/service_plans/"
                    + planIds.get(Math.floorMod(i * 31, planIds.size())), bearer)));
            // Interleaved rounds: a slower stretch of the shared machine hits every scenario alike,
            // and Basic and Bearer are compared within the same round.
            Map<String, List<LoadRunner.Result>> results = new LinkedHashMap<>();
            for (int round = 0; round < rounds; round++) {
                for (Map.Entry<String, IntFunction<List<HttpRequest>>> scenario : scenarios.entrySet()) {
                    results.computeIfAbsent(scenario.getKey(), k -> new ArrayList<>()).add(runner.run(
                            scenario.getKey(), threads, round == 0 ? warmup : Duration.ZERO, measure,
                            scenario.getValue()));
                }
            }
            System.out.println();
            results.values().forEach(list -> list.forEach(r -> System.out.println(r.line())));
            List<LoadRunner.Result> basicRuns = results.get("GET /v1/service_plans/{id} (Basic)");
            List<LoadRunner.Result> bearerRuns = results.get("GET /v1/service_plans/{id} (Bearer)");
            double[] differences = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                differences[round] = (bearerRuns.get(round).p50Micros() - basicRuns.get(round).p50Micros()) / 1000;
            }
            Arrays.sort(differences);
            StringBuilder each = new StringBuilder();
            for (double difference : differences) {
                each.append(String.format(" %+.3f", difference));
            }
            System.out.printf("%nBearer p50 minus Basic p50 per round (sorted, ms):%s; median %+.3f ms%n", each,
                    differences[rounds / 2]);
        }
    }

    /** The standalone server's set-up with SM_METRICS=prometheus: Micrometer over a Prometheus registry. */
    private static MicrometerMetrics prometheusMetrics() {
        return MicrometerMetrics.of(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /**
     * {@code -Dbench.metrics=compare}: two Service Managers over the same store, one without metrics and
     * one with {@link #prometheusMetrics()}, each behind its own server of the same kind; the Basic
     * scenarios run against each in turn, round after round, so that the shared machine's slower
     * stretches hit both alike. Prints the throughput of "on" relative to "off" per round.
     */
    private static void compareMetrics(int threads, int seconds, String serverKind) throws Exception {
        Store store = new MemoryStore();
        String password = "bench-" + UUID.randomUUID();
        ServiceManager off = ServiceManager.builder().store(store).adminUser("admin", password).build();
        ServiceManager on = ServiceManager.builder().store(store).adminUser("admin", password)
                .metrics(prometheusMetrics()).build();
        List<String> planIds = seed(store);
        try (Served offServer = Served.start(off, serverKind); Served onServer = Served.start(on, serverKind)) {
            String basic = OsbBenchmark.basic("admin", password);
            LoadRunner runner = new LoadRunner();
            Duration warmup = Duration.ofSeconds(Math.max(2, seconds / 2));
            Duration measure = Duration.ofSeconds(seconds);
            int rounds = Integer.getInteger("bench.rounds", 3);
            System.out.printf("registry, metrics off against on (Prometheus): %d plans; %d client threads on %d cores;"
                            + " server %s; JDK %s; %d rounds%n", planIds.size(), threads,
                    Runtime.getRuntime().availableProcessors(), serverKind, Runtime.version(), rounds);
            Map<String, List<LoadRunner.Result>> results = new LinkedHashMap<>();
            List<String> order = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                // Alternating which goes first, so neither always follows the other's garbage.
                List<Map.Entry<String, String>> bases = round % 2 == 0
                        ? List.of(Map.entry("off", offServer.baseUrl()), Map.entry("on", onServer.baseUrl()))
                        : List.of(Map.entry("on", onServer.baseUrl()), Map.entry("off", offServer.baseUrl()));
                for (String scenario : List.of("visibilities page", "plan by id")) {
                    for (Map.Entry<String, String> side : bases) {
                        String base = side.getValue();
                        IntFunction<List<HttpRequest>> requests = scenario.equals("plan by id")
                                ? i -> List.of(get(base + "/v1/service_plans/" + planIds.get(Math.floorMod(i * 31,
                                        planIds.size())), basic))
                                : i -> List.of(get(base + "/v1/visibilities?max_items=50&labelQuery="
                                        + URLEncoder.encode("organization_guid eq 'org-" + Math.floorMod(i, ORGS) + "'",
                                        StandardCharsets.UTF_8), basic));
                        String name = scenario + " [metrics " + side.getKey() + "]";
                        if (!results.containsKey(name)) {
                            order.add(name);
                        }
                        results.computeIfAbsent(name, k -> new ArrayList<>()).add(runner.run(name, threads,
                                round == 0 ? warmup : Duration.ZERO, measure, requests));
                    }
                }
            }
            System.out.println();
            order.forEach(name -> results.get(name).forEach(r -> System.out.println(r.line())));
            for (String scenario : List.of("visibilities page", "plan by id")) {
                List<LoadRunner.Result> offRuns = results.get(scenario + " [metrics off]");
                List<LoadRunner.Result> onRuns = results.get(scenario + " [metrics on]");
                double[] ratios = new double[rounds];
                StringBuilder each = new StringBuilder();
                for (int round = 0; round < rounds; round++) {
                    ratios[round] = onRuns.get(round).throughput() / offRuns.get(round).throughput();
                    each.append(String.format(" %.3f", ratios[round]));
                }
                Arrays.sort(ratios);
                System.out.printf("%s: throughput on/off per round:%s; median %.3f%n", scenario, each,
                        ratios[rounds / 2]);
            }
        } finally {
            off.close();
            on.close();
        }
    }

    /** An administrator's access token from the built-in issuer's password grant. */
    private static String accessToken(ServiceManager sm, String password) throws Exception {
        String form = "grant_type=password&username=admin&password=" + URLEncoder.encode(password,
                StandardCharsets.UTF_8);
        SmResponse response = sm.handle(SmRequest.builder("POST", "/oauth/token")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("cf:".getBytes(
                        StandardCharsets.UTF_8)))
                .body(form.getBytes(StandardCharsets.UTF_8)).build());
        if (response.status() != 200) {
            throw new IllegalStateException("the token request failed: " + response.status() + " "
                    + response.bodyAsString());
        }
        return new ObjectMapper().readTree(response.body()).get("access_token").asText();
    }

    static HttpRequest get(String url, String auth) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", auth).GET().build();
    }

    /** Writes the data set straight into the store: the benchmark measures reads, not seeding. */
    static List<String> seed(Store store) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<String> platformIds = new ArrayList<>();
        for (int p = 0; p < PLATFORMS; p++) {
            Platform platform = store.repository(EntityTypes.PLATFORMS).create(new Platform(
                    UUID.randomUUID().toString(), "platform-" + p, "cloudfoundry", null,
                    new PlatformCredentials("user-" + p, "unused"), null, Labels.empty(), now, now, true, 0));
            platformIds.add(platform.id());
        }
        List<String> planIds = new ArrayList<>();
        int visibility = 0;
        for (int b = 0; b < BROKERS; b++) {
            ServiceBroker broker = store.repository(EntityTypes.SERVICE_BROKERS).create(new ServiceBroker(
                    UUID.randomUUID().toString(), "broker-" + b, null, "http://127.0.0.1:1/broker-" + b,
                    new BrokerCredentials("u", "p", null, null, null), Labels.empty(), now, now, true, 0));
            for (int o = 0; o < OFFERINGS_PER_BROKER; o++) {
                String offeringName = "svc-" + b + "-" + o;
                ServiceOffering offering = store.repository(EntityTypes.SERVICE_OFFERINGS).create(
                        new ServiceOffering(UUID.randomUUID().toString(), offeringName, "offering", true, false,
                                false, false, false, List.of("tag"), List.of(), null, offeringName, offeringName,
                                broker.id(), "{}", Labels.empty(), now, now, true, 0));
                for (int p = 0; p < PLANS_PER_OFFERING; p++) {
                    String name = "plan-" + p;
                    ServicePlan plan = store.repository(EntityTypes.SERVICE_PLANS).create(new ServicePlan(
                            UUID.randomUUID().toString(), name, "a plan", offeringName + "-" + name, name, true,
                            null, null, null, null, "{\"displayName\":\"Plan " + p + "\"}", null, offering.id(),
                            "{}", Labels.of("tier", p < 5 ? "small" : "large"), now, now, true, 0));
                    planIds.add(plan.id());
                    for (String platformId : platformIds) {
                        int org = visibility++ % ORGS;
                        store.repository(EntityTypes.VISIBILITIES).create(new Visibility(
                                UUID.randomUUID().toString(), platformId, plan.id(), Labels.of(Map.of(
                                        "organization_guid", List.of("org-" + org),
                                        "env", List.of(org % 2 == 0 ? "dev" : "prod"))),
                                now, now, true, 0));
                    }
                }
            }
        }
        return planIds;
    }
}
