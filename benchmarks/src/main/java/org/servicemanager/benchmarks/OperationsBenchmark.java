package org.servicemanager.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.jdbc.JdbcStore;
import org.servicemanager.storage.jdbc.RootSafeBinaryResolver;

/**
 * {@code operations [count=200] [pollMillis=1000]}: {@code count} concurrent asynchronous provisions
 * through the REST API ({@code POST /v1/service_instances?async=true}) against a broker that answers
 * 202 and succeeds on the third {@code last_operation} poll, on PostgreSQL (an embedded server with
 * its default durability, or the one {@code SM_BENCH_JDBC_URL} names). Reports the time from the
 * first POST until every operation is {@code succeeded} in the store, against the broker's own
 * minimum (three poll intervals); the polls the broker received; and the SQL statements per
 * operation, counted by a proxy around the connection pool ({@link CountingDataSource}). Not
 * thread-safe; run once per JVM.
 */
final class OperationsBenchmark {
    private static final String ADMIN_PASSWORD = "bench-admin-password";
    private static final int SUCCESS_ON_POLL = 3;
    private static final int WARMUP = Integer.getInteger("bench.warmup", 20);
    private static final Query SUCCEEDED_CREATES = Query.fieldEquals("state", "succeeded")
            .and(Query.fieldEquals("type", "create"));
    private static final Query FAILED = Query.fieldEquals("state", "failed");

    private OperationsBenchmark() {
    }

    static void run(int count, long pollMillis) throws Exception {
        String url = System.getenv("SM_BENCH_JDBC_URL");
        EmbeddedPostgres embedded = url != null ? null : EmbeddedPostgres.builder()
                .setPgBinaryResolver(RootSafeBinaryResolver.runningAsRoot()
                        ? RootSafeBinaryResolver.INSTANCE : DefaultPostgresBinaryResolver.INSTANCE)
                // The server's own count of statements, to check the client-side one.
                .setServerConfig("shared_preload_libraries", "pg_stat_statements")
                .start();
        try {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url != null ? url : embedded.getJdbcUrl("postgres", "postgres"));
            if (url != null) {
                config.setUsername(System.getenv("SM_BENCH_JDBC_USERNAME"));
                config.setPassword(System.getenv("SM_BENCH_JDBC_PASSWORD"));
            }
            config.setMaximumPoolSize(10);
            config.setPoolName("sm-pg");
            try (HikariDataSource pool = new HikariDataSource(config);
                    AsyncBroker broker = new AsyncBroker(SUCCESS_ON_POLL)) {
                CountingDataSource counting = new CountingDataSource(pool);
                JdbcStore store = JdbcStore.builder(counting.dataSource()).build();
                ServiceManager sm = ServiceManager.builder().store(store).adminUser("admin", ADMIN_PASSWORD)
                        .encryptionKey(new byte[32]).operationsPollInterval(Duration.ofMillis(pollMillis)).build();
                try (Served server = Served.start(sm, "jetty")) {
                    System.out.printf("operations: %d concurrent async provisions, broker succeeds on poll %d,"
                                    + " poll interval %d ms; PostgreSQL %s (pool of 10); %d cores; JDK %s%n", count,
                            SUCCESS_ON_POLL, pollMillis, url != null ? url : "embedded (zonky, default durability)",
                            Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
                    measure(store, pool, counting, broker, server.baseUrl(), count, pollMillis);
                } finally {
                    sm.close();
                    store.close();
                }
            }
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    private static void measure(JdbcStore store, DataSource raw, CountingDataSource counting, AsyncBroker broker,
            String baseUrl, int count, long pollMillis) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Rest admin = new Rest(client, baseUrl, "admin", ADMIN_PASSWORD);
        admin.post("/v1/service_brokers", "{\"name\":\"async-broker\",\"broker_url\":\"" + broker.url()
                + "\",\"credentials\":{\"basic\":{\"username\":\"u\",\"password\":\"p\"}}}");
        JsonNode plans = admin.get("/v1/service_plans?fieldQuery=catalog_id%20eq%20'" + AsyncBroker.PLAN_ID + "'");
        String planId = plans.at("/items/0/id").asText();
        admin.post("/v1/visibilities", "{\"service_plan_id\":\"" + planId + "\"}");

        // Warm-up (not measured): the same path, so that the measured run is not the JIT's first.
        if (WARMUP > 0) {
            provisionAll(client, admin, "warmup", WARMUP, planId);
            awaitSucceeded(store, WARMUP, Duration.ofSeconds(60 + 10 * pollMillis / 1000));
        }

        // What the store does on its own while idle (notification log, revision checks) is not per operation.
        counting.reset();
        long idleStart = System.nanoTime();
        Thread.sleep(Math.max(3000, 3 * pollMillis));
        double idleSeconds = (System.nanoTime() - idleStart) / 1e9;
        long idleStatements = counting.statements();

        boolean serverCount = PgStatStatements.enable(raw);
        counting.reset();
        if (serverCount) {
            PgStatStatements.reset(raw);
        }
        boolean timeline = count == 1;
        counting.trace(timeline);
        long eventsBefore = broker.events().size();
        int pollsBefore = broker.polls();
        int provisionsBefore = broker.provisions();
        long cpuBefore = processCpuNanos();
        long startNanos = System.nanoTime();
        List<Integer> statuses = provisionAll(client, admin, "bench", count, planId);
        long acceptedNanos = System.nanoTime();
        long doneNanos = awaitSucceeded(store, WARMUP + count, Duration.ofSeconds(120 + 20 * pollMillis / 1000));
        long cpuNanos = processCpuNanos() - cpuBefore;
        PgStatStatements.Totals server = serverCount ? PgStatStatements.read(raw) : null;
        long observerStatements = counting.uncountedStatements();
        long observerEnds = counting.uncountedEnds();
        long statements = counting.statements();
        long commits = counting.commits();
        long rollbacks = counting.rollbacks();
        Map<String, Long> bySql = counting.bySql();
        int polls = broker.polls() - pollsBefore;
        int provisions = broker.provisions() - provisionsBefore;
        int afterSuccessBefore = broker.pollsAfterSuccess();
        Thread.sleep(3 * pollMillis); // anything polled after success would show now
        int pollsAfterSuccess = broker.pollsAfterSuccess() - afterSuccessBefore;

        double seconds = (doneNanos - startNanos) / 1e9;
        double minimum = SUCCESS_ON_POLL * pollMillis / 1000.0;
        double idleInRun = idleStatements / idleSeconds * seconds;
        System.out.printf("POSTs: %d answered %s in %.3f s%n", count, summarize(statuses),
                (acceptedNanos - startNanos) / 1e9);
        System.out.printf("all %d succeeded after %.3f s; the broker's own minimum is %.3f s (%d polls x %d ms):"
                        + " %.2fx; last success answered by the broker %.3f s before the store showed all%n",
                count, seconds, minimum, SUCCESS_ON_POLL, pollMillis, seconds / minimum,
                (doneNanos - broker.lastSuccessNanos()) / 1e9);
        System.out.printf("CPU of this JVM (Service Manager, client and broker; not PostgreSQL) during the run:"
                + " %.1f ms per operation%n", cpuNanos / 1e6 / count);
        System.out.printf("broker: %d provisions, %d last_operation polls (%.2f per operation; minimum %d),"
                + " %d polls after success in the next %d ms%n", provisions, polls, polls / (double) count,
                SUCCESS_ON_POLL, pollsAfterSuccess, 3 * pollMillis);
        System.out.printf("SQL statements during the run: %d (%.1f per operation); commits %d (%.1f per operation),"
                        + " rollbacks %d; idle background %.1f statements/s (%.0f in a run this long): net %.1f"
                        + " statements per operation%n", statements, statements / (double) count, commits,
                commits / (double) count, rollbacks, idleStatements / idleSeconds, idleInRun,
                (statements - idleInRun) / count);
        if (server != null) {
            System.out.printf("pg_stat_statements (the server's count, same span): %d statements less %d of this"
                            + " benchmark's own store reads = %d (%.1f per operation); transactions (BEGIN) %d less %d = %d%n",
                    server.statements(), observerStatements, server.statements() - observerStatements,
                    (server.statements() - observerStatements) / (double) count, server.ends(), observerEnds,
                    server.ends() - observerEnds);
            if (Boolean.getBoolean("bench.serverStatements")) {
                List<Map.Entry<String, Long>> top = new ArrayList<>(server.byQuery().entrySet());
                top.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()));
                top.forEach(e -> System.out.printf("  server %6d  %s%n", e.getValue(),
                        CountingDataSource.shortForm(e.getKey())));
            }
        } else {
            System.out.println("pg_stat_statements: not available on this server; client-side count only");
        }
        System.out.println("statements per operation by statement:");
        List<Map.Entry<String, Long>> sorted = new ArrayList<>(bySql.entrySet());
        sorted.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()));
        for (Map.Entry<String, Long> e : sorted) {
            System.out.printf("  %6.2f  %s%n", e.getValue() / (double) count, CountingDataSource.shortForm(e.getKey()));
        }
        if (timeline) {
            printTimeline(counting.traced(), broker.events().subList((int) eventsBefore, broker.events().size()),
                    startNanos);
        }
        if (pollsAfterSuccess > 0 || provisions != count) {
            System.out.println("WARNING: unexpected broker traffic (see above)");
        }
    }

    /**
     * One operation's statements in the order sent, between what the broker received, with the time
     * since the POST; background statements of the idle node (a few per second) show up too.
     */
    private static void printTimeline(List<CountingDataSource.Traced> statements,
            List<CountingDataSource.Traced> brokerEvents, long startNanos) {
        List<CountingDataSource.Traced> all = new ArrayList<>(statements);
        all.addAll(brokerEvents);
        all.sort(Comparator.comparingLong(CountingDataSource.Traced::nanos));
        System.out.println("timeline of the operation (ms since the POST; statements as sent):");
        for (CountingDataSource.Traced t : all) {
            System.out.printf("  %8.1f  %-22s %s%n", (t.nanos() - startNanos) / 1e6, t.thread(),
                    t.sql().startsWith(">>") ? t.sql() : CountingDataSource.shortForm(t.sql()));
        }
    }

    private static List<Integer> provisionAll(HttpClient client, Rest admin, String prefix, int count, String planId) {
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String body = "{\"name\":\"" + prefix + "-" + i + "\",\"service_plan_id\":\"" + planId + "\"}";
            answers.add(client.sendAsync(admin.request("POST", "/v1/service_instances?async=true", body),
                    HttpResponse.BodyHandlers.ofString()));
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> response = answer.join();
            if (response.statusCode() != 202) {
                throw new IllegalStateException("POST /v1/service_instances?async=true answered "
                        + response.statusCode() + ": " + response.body());
            }
            statuses.add(response.statusCode());
        }
        return statuses;
    }

    /**
     * Waits until {@code total} create operations have succeeded, reading the store (uncounted) every
     * 20 ms; returns {@link System#nanoTime()} when they had.
     */
    private static long awaitSucceeded(JdbcStore store, int total, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        AtomicLong succeeded = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        while (true) {
            CountingDataSource.uncounted(() -> {
                succeeded.set(store.repository(EntityTypes.OPERATIONS).count(SUCCEEDED_CREATES));
                failed.set(store.repository(EntityTypes.OPERATIONS).count(FAILED));
            });
            if (succeeded.get() >= total) {
                return System.nanoTime();
            }
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " operations failed");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + succeeded.get() + " of " + total + " operations succeeded"
                        + " within " + timeout);
            }
            Thread.sleep(20);
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String summarize(List<Integer> statuses) {
        return statuses.stream().distinct().sorted().map(String::valueOf).reduce((a, b) -> a + "," + b).orElse("-");
    }
}
