package org.servicemanager.storage.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.http.ApiResponse;

/**
 * Two Service Manager nodes on one PostgreSQL schema behave as one: what one writes the other serves
 * at once, the other's catalog cache follows a change within a second, concurrent label PATCHes
 * lose nothing silently and unique names hold under concurrent creates. The nodes are driven
 * through {@link ServiceManager#handle}; a {@link FakeBroker} serves the catalog. That several
 * stores migrating one empty schema at once all start is {@code MigrationTest.OnPostgres
 * #concurrentStarts}. No class-level {@code @DisplayName} (see {@link PostgresStoreContractTest}).
 */
class TwoNodesTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** Hashed once: 600,000 PBKDF2 rounds per node and test would dominate the run. */
    private static final String ADMIN_HASH = ServiceManager.Builder.hashPassword("s3cret");
    private static final String ADMIN = "Basic " + base64("admin:s3cret");
    /** The design's bound for another node's catalog cache, with room for a slow machine. */
    private static final long CATALOG_DEADLINE_MILLIS = 2_000;

    private final PostgresDatabases databases = new PostgresDatabases();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private FakeBroker broker;
    private ServiceManager nodeA;
    private ServiceManager nodeB;
    private DataSource dataSource;

    @BeforeEach
    void startNodes() {
        dataSource = databases.fresh();
        nodeA = node(dataSource);
        nodeB = node(dataSource);
        broker = FakeBroker.start();
        resources.add(broker);
    }

    @AfterEach
    void stopNodes() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        databases.dropAll();
    }

    private ServiceManager node(DataSource dataSource) {
        JdbcStore store = JdbcStore.builder(dataSource).build();
        resources.add(store);
        ServiceManager node = ServiceManager.builder().store(store).encryptionKey(KEY)
                .adminUserWithHash("admin", ADMIN_HASH).build();
        resources.add(node);
        return node;
    }

    @Test
    @DisplayName("no table holds a broker secret or a platform password in clear")
    void noSecretInClear() throws Exception {
        broker.withBasicAuth("broker-user", "broker-secret-7q9z");
        admin(nodeA, "POST", "/v1/service_brokers", "{\"name\": \"secret-broker\", \"broker_url\": \""
                + broker.url() + "\", \"credentials\": {\"basic\": {\"username\": \"broker-user\", "
                + "\"password\": \"broker-secret-7q9z\"}}}", 201);
        String platformPassword = createPlatform(nodeB, "secret-platform").at("/credentials/basic/password").asText();

        List<String> tables = new ArrayList<>();
        try (java.sql.Connection c = dataSource.getConnection();
                java.sql.ResultSet rs = c.getMetaData().getTables(null, c.getSchema(), "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                tables.add(rs.getString("TABLE_NAME"));
            }
        }
        assertThat(tables).contains("service_brokers", "platforms");
        try (java.sql.Connection c = dataSource.getConnection(); java.sql.Statement statement = c.createStatement()) {
            for (String table : tables) {
                try (java.sql.ResultSet rows = statement.executeQuery(
                        "SELECT row_to_json(t)::text FROM " + table + " t")) {
                    while (rows.next()) {
                        assertThat(rows.getString(1)).as(table).doesNotContain("broker-secret-7q9z")
                                .doesNotContain(platformPassword);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- calls

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static ApiResponse call(ServiceManager node, String method, String path, String body,
            String authorization) {
        SmRequest.Builder request = SmRequest.builder(method, path).header("Authorization", authorization)
                .header("X-Broker-API-Version", "2.17");
        if (body != null) {
            request.jsonBody(body);
        }
        SmResponse response = node.handle(request.build());
        return new ApiResponse(response.status(), response.headers(), response.bodyAsString());
    }

    private static JsonNode admin(ServiceManager node, String method, String path, String body, int expected) {
        ApiResponse response = call(node, method, path, body, ADMIN);
        assertThat(response.status()).as(method + " " + path + ": " + response.body()).isEqualTo(expected);
        return response.json();
    }

    private static JsonNode createPlatform(ServiceManager node, String name) {
        return admin(node, "POST", "/v1/platforms", "{\"name\": \"" + name + "\", \"type\": \"cloudfoundry\"}", 201);
    }

    private JsonNode registerBroker(ServiceManager node) {
        return admin(node, "POST", "/v1/service_brokers",
                "{\"name\": \"fake\", \"broker_url\": \"" + broker.url() + "\", \"credentials\": "
                        + "{\"basic\": {\"username\": \"u\", \"password\": \"p\"}}}", 201);
    }

    /** The id of the plan with this catalog name, as {@code node} lists it. */
    private static String planId(ServiceManager node, String catalogName) {
        for (JsonNode plan : admin(node, "GET", "/v1/service_plans", null, 200).get("items")) {
            if (plan.get("catalog_name").asText().equals(catalogName)) {
                return plan.get("id").asText();
            }
        }
        return fail("no plan " + catalogName);
    }

    private static String visibility(String platformId, String planId) {
        return "{\"platform_id\": \"" + platformId + "\", \"service_plan_id\": \"" + planId + "\"}";
    }

    private static String platformAuthorization(JsonNode platform) {
        return "Basic " + base64(platform.at("/credentials/basic/username").asText() + ":"
                + platform.at("/credentials/basic/password").asText());
    }

    /** The names of the plans in the OSB catalog {@code node} serves to {@code platform}. */
    private static Set<String> catalogPlans(ServiceManager node, String brokerId, JsonNode platform) {
        ApiResponse response = call(node, "GET", "/v1/osb/" + brokerId + "/v2/catalog", null,
                platformAuthorization(platform));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        Set<String> plans = new HashSet<>();
        for (JsonNode service : response.json().get("services")) {
            for (JsonNode plan : service.get("plans")) {
                plans.add(plan.get("name").asText());
            }
        }
        return plans;
    }

    /** Polls until {@code condition} holds; fails once the deadline has passed. */
    private static void awaitCatalog(String what, Predicate<Set<String>> condition, Callable<Set<String>> catalog)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CATALOG_DEADLINE_MILLIS);
        Set<String> seen = catalog.call();
        while (!condition.test(seen)) {
            if (System.nanoTime() > deadline) {
                fail("after " + CATALOG_DEADLINE_MILLIS + " ms, " + what + "; the catalog still holds " + seen);
            }
            Thread.sleep(20);
            seen = catalog.call();
        }
    }

    /** Runs every task at once (released together) and returns their results in order. */
    private static <R> List<R> concurrently(List<Callable<R>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<R>> futures = new ArrayList<>();
            for (Callable<R> task : tasks) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            List<R> results = new ArrayList<>();
            for (Future<R> future : futures) {
                results.add(future.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- tests

    @Test
    @DisplayName("what node A writes (platform, broker with its catalog, visibility) node B reads at once")
    void writeOnOneReadOnTheOther() {
        JsonNode platform = createPlatform(nodeA, "cf");
        JsonNode registered = registerBroker(nodeA);
        String plan = planId(nodeA, "small");
        JsonNode created = admin(nodeA, "POST", "/v1/visibilities", visibility(platform.get("id").asText(), plan), 201);

        assertThat(admin(nodeB, "GET", "/v1/platforms/" + platform.get("id").asText(), null, 200).get("name").asText())
                .isEqualTo("cf");
        assertThat(admin(nodeB, "GET", "/v1/service_brokers/" + registered.get("id").asText(), null, 200)
                .get("broker_url").asText()).isEqualTo(broker.url());
        assertThat(planId(nodeB, "large")).isNotBlank();
        assertThat(admin(nodeB, "GET", "/v1/visibilities/" + created.get("id").asText(), null, 200)
                .get("service_plan_id").asText()).isEqualTo(plan);
    }

    @Test
    @DisplayName("a registry write on one node grows the change revision the other node's store reads")
    void sharedChangeRevision() {
        long before = nodeB.store().changeRevision();

        createPlatform(nodeA, "cf");

        assertThat(nodeB.store().changeRevision()).isGreaterThan(before);
    }

    @Test
    @DisplayName("node B's OSB catalog shows a visibility node A creates, and drops one A deletes, within a second")
    void catalogCacheFollowsTheOtherNode() throws Exception {
        JsonNode platform = createPlatform(nodeA, "cf");
        String brokerId = registerBroker(nodeA).get("id").asText();
        String plan = planId(nodeA, "small");
        // A platform reaches only brokers of which it sees some plan (else 404), so it sees "large" throughout.
        admin(nodeA, "POST", "/v1/visibilities", visibility(platform.get("id").asText(), planId(nodeA, "large")), 201);
        Callable<Set<String>> catalogOfB = () -> catalogPlans(nodeB, brokerId, platform);
        assertThat(catalogOfB.call()).containsExactly("large"); // now cached on B

        String created = admin(nodeA, "POST", "/v1/visibilities", visibility(platform.get("id").asText(), plan), 201)
                .get("id").asText();

        awaitCatalog("node B does not show the plan node A made visible", plans -> plans.contains("small"),
                catalogOfB);

        admin(nodeA, "DELETE", "/v1/visibilities/" + created, null, 200);

        awaitCatalog("node B still shows the plan whose visibility node A deleted",
                plans -> !plans.contains("small"), catalogOfB);
    }

    @Test
    @DisplayName("concurrent label PATCHes from both nodes on one platform lose no acknowledged value")
    void concurrentLabelPatches() throws Exception {
        String id = createPlatform(nodeA, "cf").get("id").asText();
        Map<String, Integer> statusByValue = new ConcurrentHashMap<>();
        List<Callable<Void>> writers = new ArrayList<>();
        for (String prefix : List.of("a", "b", "c", "d")) {
            ServiceManager node = prefix.equals("a") || prefix.equals("b") ? nodeA : nodeB;
            writers.add(() -> {
                for (int i = 0; i < 10; i++) {
                    String value = prefix + i;
                    ApiResponse response = call(node, "PATCH", "/v1/platforms/" + id,
                            "{\"labels\": [{\"op\": \"add\", \"key\": \"k\", \"values\": [\"" + value + "\"]}]}", ADMIN);
                    statusByValue.put(value, response.status());
                }
                return null;
            });
        }

        concurrently(writers);

        Set<String> stored = new HashSet<>();
        admin(nodeB, "GET", "/v1/platforms/" + id, null, 200).at("/labels/k").forEach(v -> stored.add(v.asText()));
        assertThat(statusByValue).hasSize(40);
        assertThat(statusByValue.values()).allMatch(s -> s == 200 || s == 422).contains(200);
        statusByValue.forEach((value, status) -> assertThat(stored.contains(value))
                .as("value " + value + " answered " + status + ", stored: " + stored).isEqualTo(status == 200));
    }

    @Test
    @DisplayName("of concurrent creates of platforms with one name on both nodes exactly one wins, the others get 409")
    void concurrentCreatesWithOneName() throws Exception {
        List<Callable<Integer>> creates = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ServiceManager node = i % 2 == 0 ? nodeA : nodeB;
            creates.add(() -> call(node, "POST", "/v1/platforms", "{\"name\": \"same\", \"type\": \"cloudfoundry\"}",
                    ADMIN).status());
        }

        List<Integer> statuses = concurrently(creates);

        assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
        assertThat(statuses).filteredOn(s -> s == 409).hasSize(5);
        assertThat(admin(nodeB, "GET", "/v1/platforms", null, 200).get("items")).hasSize(1);
    }
}
