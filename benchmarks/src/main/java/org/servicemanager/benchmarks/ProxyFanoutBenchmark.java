package org.servicemanager.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.proxy.BrokerProxy;
import org.servicemanager.proxy.ForwardingPlatform;
import org.servicemanager.proxy.PlanAccess;
import org.servicemanager.proxy.memory.InMemoryPlatform;

/**
 * How fast a visibility change reaches many proxies: one Service Manager (Jetty with WebSocket),
 * one broker, N platforms each kept by its own {@link BrokerProxy} with its own
 * {@link InMemoryPlatform}, and, for one plan, a visibility per platform scoped to one org
 * ({@code organization_guid}). Each measured change creates or deletes a visibility of that plan
 * for every platform ({@code platform_id} null), which opens the plan to everyone in every platform
 * or closes it back to the org, and times, per proxy, from sending the request until the proxy
 * has set the new access in its platform (a hook around the platform's {@code setAccess}, so
 * nothing polls): the smallest change that reaches every platform and changes every platform's
 * access. The yardstick, in the
 * same run and on the same changes: plain {@code java.net.http.WebSocket} clients, one per
 * platform, that only record when the notification arrives.
 */
final class ProxyFanoutBenchmark {
    private static final String SCOPE = "organization_guid";
    private static final String BASE_ORG = "org-base";
    private static final PlanAccess SCOPED = PlanAccess.scoped(java.util.Set.of(BASE_ORG));
    private static final int WARMUP_CHANGES = Integer.getInteger("bench.warmupChanges", 5);
    private static final int SM_THREADS = Integer.getInteger("bench.smThreads", 64);
    private static final Duration CHANGE_DEADLINE = Duration.ofSeconds(60);

    private ProxyFanoutBenchmark() {
    }

    /**
     * Arrival times of the current change, per proxy and per raw client, in {@code System.nanoTime}
     * (0 = not yet). Thread-safe.
     */
    static final class Watch {
        /** What the raw clients look for in a notification's text: the changed visibility's id. */
        volatile String marker = "";
        /** The plan access the proxies are to set. */
        volatile PlanAccess expected = PlanAccess.none();
        final AtomicLongArray proxies;
        final AtomicLongArray raw;
        final AtomicInteger pending = new AtomicInteger();

        Watch(int proxies, int raw) {
            this.proxies = new AtomicLongArray(proxies);
            this.raw = new AtomicLongArray(raw);
        }

        void reset(String nextMarker, PlanAccess nextExpected) {
            for (int i = 0; i < proxies.length(); i++) {
                proxies.set(i, 0);
            }
            for (int i = 0; i < raw.length(); i++) {
                raw.set(i, 0);
            }
            pending.set(proxies.length() + raw.length());
            marker = nextMarker;
            expected = nextExpected;
        }

        void arrived(AtomicLongArray array, int index) {
            if (array.compareAndSet(index, 0, System.nanoTime())) {
                if (pending.decrementAndGet() == 0) {
                    synchronized (this) {
                        notifyAll();
                    }
                }
            }
        }

        synchronized boolean await(long deadlineNanos) throws InterruptedException {
            while (pending.get() > 0) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    /** An {@link InMemoryPlatform} that notes when the plan first gets the expected access. Thread-safe. */
    private static final class HookedPlatform extends ForwardingPlatform {
        private final Watch watch;
        private final int index;

        HookedPlatform(InMemoryPlatform delegate, Watch watch, int index) {
            super(delegate);
            this.watch = watch;
            this.index = index;
        }

        @Override
        public void setAccess(String brokerId, String catalogPlanId, PlanAccess access) {
            super.setAccess(brokerId, catalogPlanId, access);
            if (access.equals(watch.expected)) {
                watch.arrived(watch.proxies, index);
            }
        }
    }

    /** Only records when a text message naming the changed visibility arrives. */
    private static final class RawListener implements WebSocket.Listener {
        private final Watch watch;
        private final int index;
        private final StringBuilder text = new StringBuilder();

        RawListener(Watch watch, int index) {
            this.watch = watch;
            this.index = index;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String marker = watch.marker;
                if (!marker.isEmpty() && text.indexOf(marker) >= 0) {
                    watch.arrived(watch.raw, index);
                }
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }

    record Platforms(List<String> ids, List<String> users, List<String> passwords) {
    }

    static void run(int proxyCount, int changes, int rawCount, String storeKind) throws Exception {
        String adminPassword = "bench-" + UUID.randomUUID();
        try (BenchStore store = BenchStore.open(storeKind)) {
            ServiceManager sm = ServiceManager.builder().store(store.store()).adminUser("admin", adminPassword)
                    .encryptionKey(new byte[32]).build();
            ExecutorService proxyHttpExecutor = Executors.newFixedThreadPool(4, named("proxy-http"));
            ExecutorService rawExecutor = Executors.newFixedThreadPool(2, named("raw-ws"));
            List<BrokerProxy> proxies = new ArrayList<>();
            List<WebSocket> rawSockets = new ArrayList<>();
            try (MiniBroker broker = new MiniBroker(); Served server = Served.startWithNotifications(sm, SM_THREADS)) {
                System.out.printf("proxy-fanout: %d proxies, %d raw WebSocket clients, %d measured changes after %d"
                                + " warm-up; store %s; %d cores; JDK %s; common pool parallelism %d%n", proxyCount,
                        rawCount, changes, WARMUP_CHANGES, store.description(), Runtime.getRuntime().availableProcessors(),
                        Runtime.version(), java.util.concurrent.ForkJoinPool.getCommonPoolParallelism());
                HttpClient setupClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                Rest admin = new Rest(setupClient, server.baseUrl(), "admin", adminPassword);
                admin.post("/v1/service_brokers", "{\"name\":\"fanout-broker\",\"broker_url\":\""
                        + broker.url() + "\",\"credentials\":{\"basic\":{\"username\":\"u\",\"password\":\"p\"}}}");
                // The broker is the only one: its first plan.
                JsonNode plan = admin.get("/v1/service_plans?max_items=1").get("items").get(0);
                String planId = plan.get("id").asText();
                String catalogPlanId = plan.get("catalog_id").asText();
                String brokerName = "sm-fanout-broker";

                long t0 = System.nanoTime();
                Platforms platforms = registerPlatforms(admin, Math.max(proxyCount, rawCount));
                double registerSeconds = (System.nanoTime() - t0) / 1e9;
                t0 = System.nanoTime();
                // Each platform password is checked once with PBKDF2, then remembered (PasswordHasher);
                // done here, one after the other, so that hundreds of proxies connecting at once do not
                // queue for the two verification slots (which answer 503 beyond a few waiters).
                for (int i = 0; i < platforms.users().size(); i++) {
                    new Rest(setupClient, server.baseUrl(), platforms.users().get(i), platforms.passwords().get(i))
                            .get("/v1/visibilities?max_items=1");
                }
                double verifySeconds = (System.nanoTime() - t0) / 1e9;
                // Every platform sees the plan scoped to one org, through a visibility of its own.
                t0 = System.nanoTime();
                for (String platformId : platforms.ids()) {
                    admin.post("/v1/visibilities", "{\"service_plan_id\":\"" + planId + "\",\"platform_id\":\""
                            + platformId + "\",\"labels\":{\"" + SCOPE + "\":[\"" + BASE_ORG + "\"]}}");
                }
                double visibilitySeconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf("setup: %d platforms registered through the REST API in %.1f s; their first"
                        + " authentications (PBKDF2, then cached) took %.1f s; %d visibilities in %.1f s (not measured"
                        + " below)%n", platforms.users().size(), registerSeconds, verifySeconds, platforms.ids().size(),
                        visibilitySeconds);

                Watch watch = new Watch(proxyCount, rawCount);
                // One HttpClient for all proxies' REST reads (and streams, where the proxy uses it).
                java.util.Set<String> before = threadNames();
                HttpClient proxyClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(30)).executor(proxyHttpExecutor).build();
                nameNewThreads(before, "proxies-HttpClient-");
                List<InMemoryPlatform> memories = new ArrayList<>();
                t0 = System.nanoTime();
                for (int i = 0; i < proxyCount; i++) {
                    InMemoryPlatform memory = new InMemoryPlatform(SCOPE);
                    memories.add(memory);
                    proxies.add(BrokerProxy.builder()
                            .serviceManager(URI.create(server.baseUrl()), platforms.users().get(i),
                                    platforms.passwords().get(i))
                            .platform(new HookedPlatform(memory, watch, i)).httpClient(proxyClient)
                            .reconnectBackoff(Duration.ofMillis(200), Duration.ofSeconds(5))
                            .requestTimeout(Duration.ofSeconds(60)).build().start());
                }
                for (BrokerProxy proxy : proxies) {
                    if (!proxy.awaitResyncs(1, Duration.ofMinutes(5))) {
                        throw new IllegalStateException("a proxy did not resync within 5 minutes");
                    }
                }
                double connectSeconds = (System.nanoTime() - t0) / 1e9;
                for (InMemoryPlatform memory : memories) {
                    if (!memory.access(brokerName, catalogPlanId)
                            .equals(java.util.Optional.of(SCOPED))) {
                        throw new IllegalStateException("a platform lacks the starting access: "
                                + memory.access(brokerName, catalogPlanId));
                    }
                }
                System.out.printf("setup: %d proxies started, connected and resynced in %.1f s%n", proxyCount,
                        connectSeconds);

                before = threadNames();
                HttpClient rawClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .executor(rawExecutor).build();
                nameNewThreads(before, "raw-HttpClient-");
                t0 = System.nanoTime();
                List<CompletableFuture<WebSocket>> opening = new ArrayList<>();
                URI notifications = URI.create("ws" + server.baseUrl().substring(4) + "/v1/notifications");
                for (int i = 0; i < rawCount; i++) {
                    opening.add(rawClient.newWebSocketBuilder()
                            .header("Authorization", Rest.basic(platforms.users().get(i), platforms.passwords().get(i)))
                            .buildAsync(notifications, new RawListener(watch, i)));
                    if (opening.size() % 50 == 0) {
                        // A few at a time: a burst of hundreds of upgrades only queues in the accept backlog.
                        CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                    }
                }
                for (CompletableFuture<WebSocket> ws : opening) {
                    rawSockets.add(ws.get(60, TimeUnit.SECONDS));
                }
                System.out.printf("setup: %d raw WebSocket clients connected in %.1f s%n", rawCount,
                        (System.nanoTime() - t0) / 1e9);
                System.out.println("threads before the changes: " + threadCensus());

                List<long[]> proxyLatencies = new ArrayList<>();
                List<long[]> rawLatencies = new ArrayList<>();
                long[] patchNanos = new long[changes];
                long cpuStart = 0;
                java.util.Map<String, Long> threadCpuStart = java.util.Map.of();
                String everyone = null;
                long wallStart = 0;
                for (int c = -WARMUP_CHANGES; c < changes; c++) {
                    if (c == 0) {
                        threadCpuStart = cpuByGroup();
                        cpuStart = processCpuNanos();
                        wallStart = System.nanoTime();
                    }
                    // Even changes open the plan to every platform, odd ones close it again to the org.
                    boolean open = (c + WARMUP_CHANGES) % 2 == 0;
                    String org = open ? "create " + UUID.randomUUID() : "delete " + everyone;
                    String visibilityId = org.substring(7);
                    watch.reset(visibilityId, open ? PlanAccess.everyone() : SCOPED);
                    var request = open
                            ? admin.request("POST", "/v1/visibilities", "{\"id\":\"" + visibilityId
                                    + "\",\"service_plan_id\":\"" + planId + "\"}")
                            : admin.request("DELETE", "/v1/visibilities/" + visibilityId, null);
                    everyone = visibilityId;
                    long sent = System.nanoTime();
                    HttpResponse<String> response = setupClient.send(request, HttpResponse.BodyHandlers.ofString());
                    long answered = System.nanoTime();
                    Rest.check(request.method(), request.uri().getPath(), response);
                    boolean complete = watch.await(sent + CHANGE_DEADLINE.toNanos());
                    long[] p = new long[proxyCount];
                    long[] r = new long[rawCount];
                    int missing = 0;
                    for (int i = 0; i < proxyCount; i++) {
                        long at = watch.proxies.get(i);
                        p[i] = at == 0 ? Long.MAX_VALUE : at - sent;
                        missing += at == 0 ? 1 : 0;
                    }
                    for (int i = 0; i < rawCount; i++) {
                        long at = watch.raw.get(i);
                        r[i] = at == 0 ? Long.MAX_VALUE : at - sent;
                        missing += at == 0 ? 1 : 0;
                    }
                    if (!complete) {
                        throw new IllegalStateException("change " + org + ": " + missing + " proxies or clients did"
                                + " not see it within " + CHANGE_DEADLINE);
                    }
                    Arrays.sort(p);
                    Arrays.sort(r);
                    System.out.printf("%s %s: answered in %.1f ms; raw clients all within %.1f ms (p50 %.1f);"
                                    + " proxies all within %.1f ms (p50 %.1f)%n", c < 0 ? "warm-up" : "change", org,
                            (answered - sent) / 1e6, r.length == 0 ? 0 : last(r) / 1e6, r.length == 0 ? 0
                                    : pct(r, 0.5) / 1e6, last(p) / 1e6, pct(p, 0.5) / 1e6);
                    if (c >= 0) {
                        proxyLatencies.add(p);
                        rawLatencies.add(r);
                        patchNanos[c] = answered - sent;
                    }
                }
                double cpuPerChange = (processCpuNanos() - cpuStart) / 1e6 / changes;
                String threadCpu = cpuPerChange(threadCpuStart, cpuByGroup(), changes);
                double wall = (System.nanoTime() - wallStart) / 1e9;
                System.out.println("threads after the changes: " + threadCensus());
                System.out.println();
                System.out.printf("over %d changes (%.1f s, process CPU %.0f ms per change):%n", changes, wall,
                        cpuPerChange);
                System.out.println("  CPU ms per change by thread group:" + threadCpu);
                Arrays.sort(patchNanos);
                System.out.printf("  POST/DELETE answered: p50 %.1f ms, max %.1f ms%n", pct(patchNanos, 0.5) / 1e6,
                        last(patchNanos) / 1e6);
                report("raw WebSocket clients", rawLatencies);
                report("proxies (platform access set)", proxyLatencies);
            } finally {
                for (WebSocket ws : rawSockets) {
                    ws.abort();
                }
                for (BrokerProxy proxy : proxies) {
                    proxy.close();
                }
                proxyHttpExecutor.shutdownNow();
                rawExecutor.shutdownNow();
                sm.close();
            }
        }
    }

    private static void report(String what, List<long[]> perChange) {
        if (perChange.isEmpty() || perChange.get(0).length == 0) {
            return;
        }
        long[] all = perChange.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        long[] lastPerChange = perChange.stream().mapToLong(ProxyFanoutBenchmark::last).sorted().toArray();
        System.out.printf("  %-30s over all (client, change) pairs: p50 %.1f ms, p99 %.1f ms, max %.1f ms;"
                        + " the last one per change: median %.1f ms (min %.1f, max %.1f)%n", what, pct(all, 0.5) / 1e6,
                pct(all, 0.99) / 1e6, last(all) / 1e6, pct(lastPerChange, 0.5) / 1e6, lastPerChange[0] / 1e6,
                last(lastPerChange) / 1e6);
    }

    static Platforms registerPlatforms(Rest admin, int count) throws Exception {
        List<String> ids = new ArrayList<>();
        List<String> users = new ArrayList<>();
        List<String> passwords = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            JsonNode platform = admin.post("/v1/platforms", "{\"name\":\"bench-platform-" + i
                    + "\",\"type\":\"cloudfoundry\"}");
            ids.add(platform.get("id").asText());
            users.add(platform.at("/credentials/basic/username").asText());
            passwords.add(platform.at("/credentials/basic/password").asText());
        }
        return new Platforms(ids, users, passwords);
    }

    static long pct(long[] sorted, double p) {
        return LoadRunner.percentileOf(sorted, p);
    }

    static long last(long[] sorted) {
        return sorted[sorted.length - 1];
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** CPU time of the live threads so far, by {@link #group} of their names, in nanoseconds. */
    static java.util.Map<String, Long> cpuByGroup() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.Map<String, Long> cpu = new java.util.HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            long nanos = mx.getThreadCpuTime(t.getId());
            if (nanos > 0) {
                cpu.merge(group(t.getName()), nanos, Long::sum);
            }
        }
        return cpu;
    }

    /** The CPU each group of threads used between two {@link #cpuByGroup} readings, per change, most first. */
    static String cpuPerChange(java.util.Map<String, Long> before, java.util.Map<String, Long> after, int changes) {
        StringBuilder out = new StringBuilder();
        after.entrySet().stream()
                .map(e -> java.util.Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() / changes >= 500_000)
                .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .forEach(e -> out.append(String.format(" %s=%.1f", e.getKey(), e.getValue() / 1e6 / changes)));
        return out.toString();
    }

    /** Thread names to group names, for threads whose own name does not say whose they are. */
    private static final java.util.Map<String, String> LABELS = new java.util.concurrent.ConcurrentHashMap<>();

    private static java.util.Set<String> threadNames() {
        java.util.Set<String> names = new java.util.HashSet<>();
        Thread.getAllStackTraces().keySet().forEach(t -> names.add(t.getName()));
        return names;
    }

    /** Labels the threads started since {@code before} (an HttpClient's selector) with {@code prefix}. */
    private static void nameNewThreads(java.util.Set<String> before, String prefix) {
        threadNames().stream().filter(n -> !before.contains(n))
                .forEach(n -> LABELS.put(n, prefix + n.replaceAll("^HttpClient-\\d+-", "")));
    }

    private static String group(String threadName) {
        String name = LABELS.getOrDefault(threadName, threadName).replaceAll("\\d+", "N");
        return name.contains("@") ? name.substring(0, name.indexOf('@')) : name;
    }

    /** Live threads by name, with digits folded, most first: how many threads each part runs. */
    static String threadCensus() {
        java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            counts.merge(group(t.getName()), 1, Integer::sum);
        }
        StringBuilder out = new StringBuilder(Thread.activeCount() + " live:");
        counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue())
                .forEach(e -> out.append(' ').append(e.getKey()).append('=').append(e.getValue()));
        return out.toString();
    }
}
