package org.servicemanager.benchmarks;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
        Store store = new MemoryStore();
        List<String> planIds = seed(store);
        String password = "bench-" + UUID.randomUUID();
        ServiceManager sm = ServiceManager.builder().store(store).adminUser("admin", password).build();
        try (Served server = Served.start(sm, serverKind)) {
            String base = server.baseUrl();
            String auth = OsbBenchmark.basic("admin", password);
            LoadRunner runner = new LoadRunner();
            Duration warmup = Duration.ofSeconds(Math.max(2, seconds / 2));
            Duration measure = Duration.ofSeconds(seconds);
            System.out.printf("registry: %d plans, %d visibilities; %d client threads on %d cores; server %s; JDK %s%n",
                    planIds.size(), planIds.size() * PLATFORMS, threads, Runtime.getRuntime().availableProcessors(),
                    serverKind, Runtime.version());
            List<LoadRunner.Result> results = new ArrayList<>();
            results.add(runner.run("GET /v1/visibilities?labelQuery=...&max_items=50", threads, warmup, measure,
                    i -> List.of(get(base + "/v1/visibilities?max_items=50&labelQuery="
                            + URLEncoder.encode("organization_guid eq 'org-" + Math.floorMod(i, ORGS) + "'",
                                    StandardCharsets.UTF_8), auth))));
            results.add(runner.run("GET /v1/service_plans/{id}", threads, warmup, measure,
                    i -> List.of(get(base + "/v1/service_plans/"
                            + planIds.get(Math.floorMod(i * 31, planIds.size())), auth))));
            System.out.println();
            results.forEach(r -> System.out.println(r.line()));
        }
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
