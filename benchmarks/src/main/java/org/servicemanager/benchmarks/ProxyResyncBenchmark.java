package org.servicemanager.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.proxy.BrokerProxy;
import org.servicemanager.proxy.BrokerRegistration;
import org.servicemanager.proxy.PlanAccess;
import org.servicemanager.proxy.Platform;
import org.servicemanager.proxy.PlatformBroker;
import org.servicemanager.proxy.PlatformPlan;
import org.servicemanager.proxy.memory.InMemoryPlatform;

/**
 * How long a full resync of a fresh proxy takes: a platform that sees B brokers with P plans in
 * all (a visibility per plan for it), an empty {@link InMemoryPlatform} that fetches each broker's
 * catalog through the Service Manager's OSB face, timed from {@code start()} until the first resync
 * completed. The yardstick: the same REST reads and catalog fetches alone, without the proxy and
 * the platform.
 */
final class ProxyResyncBenchmark {
    private static final String SCOPE = "organization_guid";
    private static final int PLANS_PER_OFFERING = 10;
    private static final int WARMUP_ROUNDS = Integer.getInteger("bench.warmupRounds", 2);

    private ProxyResyncBenchmark() {
    }

    /** Times the platform calls a resync makes. Thread-safe. */
    private static final class TimedPlatform implements Platform {
        private final InMemoryPlatform delegate;
        final AtomicLong firstCall = new AtomicLong();
        final AtomicLong createNanos = new AtomicLong();
        final AtomicLong accessNanos = new AtomicLong();
        final AtomicLong otherNanos = new AtomicLong();

        TimedPlatform(InMemoryPlatform delegate) {
            this.delegate = delegate;
        }

        private long begin() {
            long now = System.nanoTime();
            firstCall.compareAndSet(0, now);
            return now;
        }

        @Override
        public String scopeLabelKey() {
            return delegate.scopeLabelKey();
        }

        @Override
        public List<PlatformBroker> brokers() {
            long t = begin();
            try {
                return delegate.brokers();
            } finally {
                otherNanos.addAndGet(System.nanoTime() - t);
            }
        }

        @Override
        public PlatformBroker createBroker(BrokerRegistration registration) {
            long t = begin();
            try {
                return delegate.createBroker(registration);
            } finally {
                createNanos.addAndGet(System.nanoTime() - t);
            }
        }

        @Override
        public PlatformBroker updateBroker(String brokerId, BrokerRegistration registration) {
            long t = begin();
            try {
                return delegate.updateBroker(brokerId, registration);
            } finally {
                createNanos.addAndGet(System.nanoTime() - t);
            }
        }

        @Override
        public void deleteBroker(String brokerId) {
            long t = begin();
            try {
                delegate.deleteBroker(brokerId);
            } finally {
                otherNanos.addAndGet(System.nanoTime() - t);
            }
        }

        @Override
        public List<PlatformPlan> plans(String brokerId) {
            long t = begin();
            try {
                return delegate.plans(brokerId);
            } finally {
                otherNanos.addAndGet(System.nanoTime() - t);
            }
        }

        @Override
        public void setAccess(String brokerId, String catalogPlanId, PlanAccess access) {
            long t = begin();
            try {
                delegate.setAccess(brokerId, catalogPlanId, access);
            } finally {
                accessNanos.addAndGet(System.nanoTime() - t);
            }
        }
    }

    static void run(int brokerCount, int planCount, int rounds, String storeKind) throws Exception {
        if (brokerCount < 1 || planCount < brokerCount || planCount % brokerCount != 0) {
            throw new IllegalArgumentException("plans must be a positive multiple of brokers, was " + planCount
                    + " plans for " + brokerCount + " brokers");
        }
        int plansPerBroker = planCount / brokerCount;
        String adminPassword = "bench-" + UUID.randomUUID();
        ExecutorService catalogExecutor = Executors.newFixedThreadPool(2, ProxyFanoutBenchmark.named("catalogs"));
        HttpServer catalogs = catalogServer(brokerCount, plansPerBroker, catalogExecutor);
        try (BenchStore store = BenchStore.open(storeKind)) {
            ServiceManager sm = ServiceManager.builder().store(store.store()).adminUser("admin", adminPassword)
                    .encryptionKey(new byte[32]).build();
            try (Served server = Served.startWithNotifications(sm, 64)) {
                System.out.printf("proxy-resync: %d brokers x %d plans (offerings of up to %d plans) = %d plans,"
                                + " a visibility per plan for the platform; %d measured rounds after %d warm-up; store"
                                + " %s; %d cores; JDK %s%n", brokerCount, plansPerBroker, PLANS_PER_OFFERING, planCount,
                        rounds, WARMUP_ROUNDS, store.description(), Runtime.getRuntime().availableProcessors(),
                        Runtime.version());
                HttpClient setupClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                Rest admin = new Rest(setupClient, server.baseUrl(), "admin", adminPassword);
                String catalogBase = "http://127.0.0.1:" + catalogs.getAddress().getPort();
                long t0 = System.nanoTime();
                List<String> brokerIds = new ArrayList<>();
                for (int b = 0; b < brokerCount; b++) {
                    brokerIds.add(admin.post("/v1/service_brokers", "{\"name\":\"b" + b + "\",\"broker_url\":\""
                            + catalogBase + "/b" + b + "\",\"credentials\":{\"basic\":{\"username\":\"u\","
                            + "\"password\":\"p\"}}}").get("id").asText());
                }
                double brokerSeconds = (System.nanoTime() - t0) / 1e9;
                JsonNode platform = admin.post("/v1/platforms", "{\"name\":\"resync-platform\",\"type\":\"cloudfoundry\"}");
                String platformId = platform.get("id").asText();
                String user = platform.at("/credentials/basic/username").asText();
                String password = platform.at("/credentials/basic/password").asText();
                t0 = System.nanoTime();
                int visibilities = 0;
                String token = null;
                do {
                    JsonNode page = admin.get("/v1/service_plans?max_items=500"
                            + (token == null ? "" : "&token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)));
                    for (JsonNode plan : page.get("items")) {
                        admin.post("/v1/visibilities", "{\"service_plan_id\":\"" + plan.get("id").asText()
                                + "\",\"platform_id\":\"" + platformId + "\"}");
                        visibilities++;
                    }
                    token = page.path("token").isTextual() ? page.get("token").asText() : null;
                } while (token != null);
                if (visibilities != planCount) {
                    throw new IllegalStateException("expected " + planCount + " plans, the SM has " + visibilities);
                }
                System.out.printf("setup: %d brokers registered in %.1f s, %d visibilities created in %.1f s"
                        + " (REST, not measured)%n", brokerCount, brokerSeconds, visibilities,
                        (System.nanoTime() - t0) / 1e9);

                // As the proxy would be configured: one HttpClient for its REST reads.
                HttpClient proxyClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(30)).build();
                Rest asPlatform = new Rest(proxyClient, server.baseUrl(), user, password);
                asPlatform.get("/v1/service_brokers?max_items=1"); // the password's first check (PBKDF2), then cached
                List<Double> raw = new ArrayList<>();
                List<Double> proxied = new ArrayList<>();
                for (int round = -WARMUP_ROUNDS; round < rounds; round++) {
                    String label = round < 0 ? "warm-up" : "round " + (round + 1);
                    double rawMillis = rawReads(proxyClient, server.baseUrl(), Rest.basic(user, password), brokerIds);
                    TimedPlatform timed = new TimedPlatform(new InMemoryPlatform(SCOPE));
                    double proxyMillis = resync(server.baseUrl(), user, password, proxyClient, timed, brokerCount,
                            plansPerBroker);
                    System.out.printf("%s: raw reads + catalog fetches %.0f ms; proxy resync %.0f ms%n", label,
                            rawMillis, proxyMillis);
                    if (round >= 0) {
                        raw.add(rawMillis);
                        proxied.add(proxyMillis);
                    }
                }
                System.out.println();
                System.out.printf("over %d rounds: proxy resync median %.0f ms (min %.0f, max %.0f); raw reads +"
                                + " catalog fetches median %.0f ms (min %.0f, max %.0f)%n", rounds, median(proxied),
                        min(proxied), max(proxied), median(raw), min(raw), max(raw));
            } finally {
                sm.close();
            }
        } finally {
            catalogs.stop(0);
            catalogExecutor.shutdownNow();
        }
    }

    /** One fresh proxy and platform, timed from start() to the first completed resync; checked. */
    private static double resync(String baseUrl, String user, String password, HttpClient client,
            TimedPlatform platform, int brokerCount, int plansPerBroker) throws InterruptedException {
        BrokerProxy proxy = BrokerProxy.builder().serviceManager(URI.create(baseUrl), user, password)
                .platform(platform).httpClient(client).requestTimeout(Duration.ofSeconds(60)).build();
        try {
            long start = System.nanoTime();
            proxy.start();
            if (!proxy.awaitResyncs(1, Duration.ofMinutes(2))) {
                throw new IllegalStateException("no resync within 2 minutes");
            }
            long done = System.nanoTime();
            InMemoryPlatform memory = platform.delegate;
            if (memory.brokers().size() != brokerCount) {
                throw new IllegalStateException("the platform has " + memory.brokers().size() + " brokers, not "
                        + brokerCount);
            }
            for (int b = 0; b < brokerCount; b++) {
                Map<String, PlatformPlan> plans = memory.plansOf("sm-b" + b);
                if (plans.size() != plansPerBroker
                        || !plans.values().stream().allMatch(p -> p.access().equals(PlanAccess.everyone()))) {
                    throw new IllegalStateException("broker sm-b" + b + " has " + plans.size() + " plans, not all open: "
                            + plans.values());
                }
            }
            System.out.printf("  proxy: start to first platform call %.0f ms (stream opened, REST read); catalog"
                            + " fetches (createBroker) %.0f ms; setAccess %.0f ms; other platform calls %.0f ms%n",
                    (platform.firstCall.get() - start) / 1e6, platform.createNanos.get() / 1e6,
                    platform.accessNanos.get() / 1e6, platform.otherNanos.get() / 1e6);
            return (done - start) / 1e6;
        } finally {
            proxy.close();
        }
    }

    /** The requests a resync sends, one after the other, without the proxy or the platform. */
    private static double rawReads(HttpClient client, String baseUrl, String authorization, List<String> brokerIds)
            throws IOException, InterruptedException {
        long start = System.nanoTime();
        for (String path : List.of("/v1/service_brokers", "/v1/service_offerings", "/v1/service_plans",
                "/v1/visibilities")) {
            String token = null;
            do {
                HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create(baseUrl + path
                                + "?max_items=500" + (token == null ? ""
                                : "&token=" + URLEncoder.encode(token, StandardCharsets.UTF_8))))
                        .header("Authorization", authorization).header("Accept", "application/json").GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("GET " + path + " answered " + response.statusCode());
                }
                JsonNode page = Rest.MAPPER.readTree(response.body());
                token = page.path("token").isTextual() ? page.get("token").asText() : null;
            } while (token != null);
        }
        for (String id : brokerIds) {
            HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/osb/" + id
                            + "/v2/catalog")).header("Authorization", authorization)
                    .header("X-Broker-API-Version", "2.17").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("the catalog of " + id + " answered " + response.statusCode());
            }
            Rest.MAPPER.readTree(response.body());
        }
        return (System.nanoTime() - start) / 1e6;
    }

    /** One loopback server for all brokers: {@code GET /b<i>/v2/catalog}, rendered once per broker. */
    private static HttpServer catalogServer(int brokers, int plansPerBroker, ExecutorService executor) {
        byte[][] catalogs = new byte[brokers][];
        for (int b = 0; b < brokers; b++) {
            StringBuilder json = new StringBuilder("{\"services\":[");
            int offerings = (plansPerBroker + PLANS_PER_OFFERING - 1) / PLANS_PER_OFFERING;
            int plan = 0;
            for (int o = 0; o < offerings; o++) {
                String service = "b" + b + "-svc-" + o;
                json.append(o == 0 ? "" : ",").append("{\"id\":\"").append(service).append("\",\"name\":\"")
                        .append(service).append("\",\"description\":\"Offering ").append(o).append(" of broker ")
                        .append(b).append("\",\"bindable\":true,\"plans\":[");
                for (int p = 0; p < PLANS_PER_OFFERING && plan < plansPerBroker; p++, plan++) {
                    json.append(p == 0 ? "" : ",").append("{\"id\":\"").append(service).append("-plan-").append(p)
                            .append("\",\"name\":\"plan-").append(p).append("\",\"description\":\"Plan ").append(p)
                            .append("\",\"free\":true}");
                }
                json.append("]}");
            }
            catalogs[b] = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] body = null;
            if (path.startsWith("/b") && path.endsWith("/v2/catalog")) {
                try {
                    int b = Integer.parseInt(path.substring(2, path.length() - "/v2/catalog".length()));
                    body = b >= 0 && b < brokers ? catalogs[b] : null;
                } catch (NumberFormatException e) {
                    body = null;
                }
            }
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.setExecutor(executor);
        server.start();
        return server;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    }

    private static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }
}
