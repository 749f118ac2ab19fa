package org.servicemanager.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.servicemanager.api.model.BrokerCredentials;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.PlatformCredentials;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.jdbc.JdbcStore;

/**
 * 1,000,000 service instances with three labels each in PostgreSQL, then timed listing queries
 * through the REST API: a label query's first page, a deep page reached by token, and a field query.
 *
 * <p>Needs an empty PostgreSQL database: {@code SM_BENCH_JDBC_URL} (and {@code SM_BENCH_JDBC_USERNAME},
 * {@code SM_BENCH_JDBC_PASSWORD}). The registry is created through the store API; the instances
 * and their labels are bulk-loaded with {@code COPY} into the store's own tables, which is how one
 * would migrate such a registry in.
 */
final class InstancesBenchmark {
    static final int INSTANCES = 1_000_000;
    static final int PLANS = 100;
    static final int TENANTS = 100;
    static final int OWNERS = 100_000;
    static final int BATCH = 50_000;

    private InstancesBenchmark() {
    }

    static void run(int threads, int seconds, String serverKind) throws Exception {
        String url = System.getenv("SM_BENCH_JDBC_URL");
        if (url == null) {
            System.err.println("set SM_BENCH_JDBC_URL (and SM_BENCH_JDBC_USERNAME, SM_BENCH_JDBC_PASSWORD) to an "
                    + "empty PostgreSQL database");
            System.exit(2);
        }
        try (HikariDataSource pool = new HikariDataSource(BenchStore.externalPostgres(url, 8))) {
            JdbcStore store = JdbcStore.builder(pool).build();
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            List<String> planIds = registry(store, now);
            String platformId = store.repository(EntityTypes.PLATFORMS).list(
                    org.servicemanager.api.query.Query.all(), org.servicemanager.api.query.PageRequest.first(1))
                    .items().get(0).id();
            long loadStart = System.nanoTime();
            load(pool, planIds, platformId, now);
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            System.out.printf("instances: loaded %,d instances with %,d labels in %.1f s (COPY, then VACUUM ANALYZE)%n",
                    INSTANCES, INSTANCES * 3L, loadSeconds);

            String password = "bench-" + UUID.randomUUID();
            // Multitenancy on, keyed by the data set's own tenant label: the Basic admin is global (the
            // scenarios above it measure what they always did), the bearer token acts for tenant-42.
            ServiceManager sm = ServiceManager.builder().store(store).adminUser("admin", password)
                    .encryptionKey(new byte[32]).tenantLabelKey("tenant").bearerTokens(new TenantToken())
                    .build();
            try (Served server = Served.start(sm, serverKind)) {
                String base = server.baseUrl();
                String auth = OsbBenchmark.basic("admin", password);
                String labelPath = "/v1/service_instances?max_items=50&labelQuery="
                        + URLEncoder.encode("tenant eq 'tenant-42'", StandardCharsets.UTF_8);
                String deep = deepPage(base + labelPath, auth, 100);
                String fieldPath = "/v1/service_instances?max_items=50&fieldQuery="
                        + URLEncoder.encode("service_plan_id eq '" + planIds.get(7) + "'", StandardCharsets.UTF_8);
                LoadRunner runner = new LoadRunner();
                Duration warmup = Duration.ofSeconds(Math.max(2, seconds / 2));
                Duration measure = Duration.ofSeconds(seconds);
                System.out.printf("instances: %d client threads on %d cores; server %s; JDK %s%n", threads,
                        Runtime.getRuntime().availableProcessors(), serverKind, Runtime.version());
                List<LoadRunner.Result> results = new ArrayList<>();
                results.add(runner.run("labelQuery tenant eq 'tenant-42', first page", threads, warmup, measure,
                        i -> List.of(RegistryBenchmark.get(base + labelPath, auth))));
                results.add(runner.run("labelQuery tenant eq 'tenant-42', page 101 (token)", threads, warmup,
                        measure, i -> List.of(RegistryBenchmark.get(deep, auth))));
                results.add(runner.run("fieldQuery service_plan_id eq '...', first page", threads, warmup,
                        measure, i -> List.of(RegistryBenchmark.get(base + fieldPath, auth))));
                // The same queries as tenant-42's administrator: the store adds the tenant's label predicate.
                String tenantAuth = "Bearer " + TenantToken.TOKEN;
                String tenantPath = "/v1/service_instances?max_items=50";
                String tenantDeep = deepPage(base + tenantPath, tenantAuth, 100);
                String byName = tenantPath + "&fieldQuery=" + URLEncoder.encode("name eq 'instance-4242'",
                        StandardCharsets.UTF_8);
                String byPlan = tenantPath + "&fieldQuery=" + URLEncoder.encode("service_plan_id eq '"
                        + planIds.get(42) + "'", StandardCharsets.UTF_8);
                String byOwner = tenantPath + "&labelQuery=" + URLEncoder.encode("owner eq 'owner-4242'",
                        StandardCharsets.UTF_8);
                results.add(runner.run("tenant-42 token, no query, first page", threads, warmup, measure,
                        i -> List.of(RegistryBenchmark.get(base + tenantPath, tenantAuth))));
                results.add(runner.run("tenant-42 token, page 101 (token)", threads, warmup, measure,
                        i -> List.of(RegistryBenchmark.get(tenantDeep, tenantAuth))));
                results.add(runner.run("tenant-42 token, fieldQuery name eq (1 match)", threads, warmup, measure,
                        i -> List.of(RegistryBenchmark.get(base + byName, tenantAuth))));
                results.add(runner.run("tenant-42 token, fieldQuery service_plan_id eq", threads, warmup, measure,
                        i -> List.of(RegistryBenchmark.get(base + byPlan, tenantAuth))));
                results.add(runner.run("tenant-42 token, labelQuery owner eq (10 matches)", threads, warmup,
                        measure, i -> List.of(RegistryBenchmark.get(base + byOwner, tenantAuth))));
                System.out.println();
                results.forEach(r -> System.out.println(r.line()));
                explainTenantQueries(pool, planIds.get(42));
            } finally {
                store.close();
            }
        }
    }

    /** One platform, one broker with one offering and {@link #PLANS} plans, through the store API. */
    private static List<String> registry(JdbcStore store, Instant now) {
        store.repository(EntityTypes.PLATFORMS).create(new Platform(UUID.randomUUID().toString(), "bench-platform",
                "kubernetes", null, new PlatformCredentials("bench-user", "unused"), null, Labels.empty(), now, now,
                true, 0));
        ServiceBroker broker = store.repository(EntityTypes.SERVICE_BROKERS).create(new ServiceBroker(
                UUID.randomUUID().toString(), "bench-broker", null, "http://127.0.0.1:1",
                new BrokerCredentials("u", org.servicemanager.core.internal.security.AesGcmCipher.of(new byte[32]).encrypt("p"), null, null, null), Labels.empty(), now, now, true, 0));
        ServiceOffering offering = store.repository(EntityTypes.SERVICE_OFFERINGS).create(new ServiceOffering(
                UUID.randomUUID().toString(), "db", "d", true, false, false, false, false, List.of(), List.of(), null,
                "db", "db", broker.id(), "{}", Labels.empty(), now, now, true, 0));
        List<String> plans = new ArrayList<>();
        for (int p = 0; p < PLANS; p++) {
            plans.add(store.repository(EntityTypes.SERVICE_PLANS).create(new ServicePlan(UUID.randomUUID().toString(),
                    "plan-" + p, "d", "plan-" + p, "plan-" + p, true, null, null, null, null, null, null,
                    offering.id(), "{}", Labels.empty(), now, now, true, 0)).id());
        }
        return plans;
    }

    /** Instances spread over plans, each labelled tenant (100 values), owner (100,000) and region (5). */
    private static void load(HikariDataSource pool, List<String> planIds, String platformId, Instant start)
            throws Exception {
        try (Connection connection = pool.getConnection()) {
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
            for (int from = 0; from < INSTANCES; from += BATCH) {
                StringBuilder instances = new StringBuilder(BATCH * 200);
                StringBuilder labels = new StringBuilder(BATCH * 150);
                for (int i = from; i < from + BATCH; i++) {
                    String id = String.format("inst-%07d", i);
                    Instant created = start.plus(i, ChronoUnit.MILLIS);
                    instances.append(id).append('\t').append(created).append('\t').append(created)
                            .append("\ttrue\t1\tinstance-").append(i).append('\t')
                            .append(planIds.get(i % planIds.size())).append('\t').append(platformId)
                            .append("\t\\N\ttrue\tCREATE\tSUCCEEDED\t\\N\t\\N\t\\N\t\\N\t\\N\n");
                    labels.append(id).append("\ttenant\ttenant-").append(i % TENANTS).append("\t0\t").append(created)
                            .append('\n');
                    labels.append(id).append("\towner\towner-").append(i % OWNERS).append("\t0\t").append(created)
                            .append('\n');
                    labels.append(id).append("\tregion\tregion-").append(i % 5).append("\t0\t").append(created)
                            .append('\n');
                }
                copy.copyIn("COPY service_instances (id, created_at, updated_at, ready, version, name, "
                        + "service_plan_id, platform_id, dashboard_url, usable, last_operation_type, "
                        + "last_operation_state, last_operation_broker_operation, last_operation_description, "
                        + "context, pending_plan_id, pending_context) FROM STDIN", new StringReader(instances.toString()));
                copy.copyIn("COPY service_instances_labels (entity_id, label_key, label_value, ord, created_at) FROM STDIN",
                        new StringReader(labels.toString()));
            }
            try (Statement statement = connection.createStatement()) {
                statement.execute("VACUUM ANALYZE service_instances");
                statement.execute("VACUUM ANALYZE service_instances_labels");
            }
        }
    }

    /** A bearer token of tenant-42's administrator. Immutable. */
    private static final class TenantToken implements org.servicemanager.api.security.BearerTokenVerifier {
        static final String TOKEN = "tenant-42-admin";

        @Override
        public org.servicemanager.api.security.VerifiedToken verify(String token) {
            if (!TOKEN.equals(token)) {
                throw new org.servicemanager.api.InvalidBearerTokenException("the token is malformed");
            }
            return new org.servicemanager.api.security.VerifiedToken("tenant-42-admin", "tenant-42-admin", null,
                    org.servicemanager.api.security.Role.ADMIN, Instant.parse("2100-01-01T00:00:00Z"),
                    java.util.Optional.of("tenant-42"));
        }

        @Override
        public String issuerUrl() {
            return "https://issuer.invalid";
        }
    }

    /**
     * {@code EXPLAIN ANALYZE} of the statements the JDBC store issues for the tenant's queries (the
     * user's criteria first, then the tenant's label; the first single-value label {@code eq} drives
     * the page), so the plans show that the tenant predicate is answered from an index.
     */
    private static void explainTenantQueries(HikariDataSource pool, String planId) throws Exception {
        String page = "SELECT e.* FROM service_instances_labels l JOIN service_instances e ON e.id = l.entity_id "
                + "WHERE l.label_key = 'tenant' AND l.label_value = 'tenant-42' AND 1 = 1";
        // With further criteria and more than 500 matches the store checks each label row's entity in a
        // LATERAL subquery.
        String walk = "SELECT e.* FROM service_instances_labels l CROSS JOIN LATERAL (SELECT * FROM service_instances m "
                + "WHERE m.id = l.entity_id AND %s OFFSET 0) e WHERE l.label_key = '%s' AND l.label_value = '%s'";
        String tenantExists = "EXISTS (SELECT 1 FROM service_instances_labels l WHERE l.entity_id = %s.id "
                + "AND l.label_key = 'tenant' AND l.label_value IN ('tenant-42'))";
        String order = " ORDER BY l.created_at, l.entity_id LIMIT 51";
        String[][] statements = {
            {"tenant page", page + order},
            {"tenant count", "SELECT COUNT(DISTINCT entity_id) FROM (SELECT entity_id FROM service_instances_labels "
                    + "WHERE label_key = 'tenant' AND label_value IN ('tenant-42')) x"},
            // One match (at most 500): the store joins and lets PostgreSQL start from the name index.
            {"tenant + name page", "SELECT e.* FROM service_instances_labels l JOIN service_instances e ON e.id = "
                    + "l.entity_id WHERE l.label_key = 'tenant' AND l.label_value = 'tenant-42' AND e.name IN "
                    + "('instance-4242')" + order},
            {"tenant + name count", "SELECT COUNT(*) FROM service_instances e WHERE e.name IN ('instance-4242') AND "
                    + String.format(tenantExists, "e")},
            {"tenant + plan page", String.format(walk, "m.service_plan_id IN ('" + planId + "')", "tenant",
                    "tenant-42") + order},
            {"tenant + plan count", "SELECT COUNT(*) FROM service_instances e WHERE e.service_plan_id IN ('" + planId
                    + "') AND " + String.format(tenantExists, "e")},
            {"owner + tenant page", "SELECT e.* FROM service_instances_labels l JOIN service_instances e ON e.id = "
                    + "l.entity_id WHERE l.label_key = 'owner' AND l.label_value = 'owner-4242' AND "
                    + String.format(tenantExists, "e") + order},
            {"owner + tenant count", "SELECT COUNT(*) FROM (SELECT entity_id FROM service_instances_labels WHERE "
                    + "label_key = 'owner' AND label_value IN ('owner-4242') INTERSECT SELECT entity_id FROM "
                    + "service_instances_labels WHERE label_key = 'tenant' AND label_value IN ('tenant-42')) x"},
        };
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("SET max_parallel_workers_per_gather = 0");
            for (String[] s : statements) {
                System.out.println();
                System.out.println("-- " + s[0] + ": " + s[1]);
                try (ResultSet rs = statement.executeQuery("EXPLAIN (ANALYZE, COSTS OFF) " + s[1])) {
                    while (rs.next()) {
                        System.out.println(rs.getString(1));
                    }
                }
            }
        }
    }

    /** The URL of page {@code pages + 1}, following the tokens. */
    private static String deepPage(String firstPage, String auth, int pages) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        String url = firstPage;
        for (int p = 0; p < pages; p++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", auth).build(), HttpResponse.BodyHandlers.ofString());
            String current = url;
            String link = response.headers().firstValue("Link").orElseThrow(() -> new IllegalStateException(
                    "no next page after " + current));
            String next = link.substring(link.indexOf('<') + 1, link.indexOf('>'));
            url = URI.create(firstPage).resolve(next).toString();
        }
        return url;
    }
}
