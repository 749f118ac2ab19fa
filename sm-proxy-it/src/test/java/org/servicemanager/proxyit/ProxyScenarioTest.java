package org.servicemanager.proxyit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.servicemanager.proxy.BrokerProxy;
import org.servicemanager.proxy.PlanAccess;
import org.servicemanager.storage.jdbc.JdbcStore;
import org.servicemanager.storage.jdbc.PostgresDatabases;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.BrokerStub;
import org.servicemanager.test.junit.ServiceManagerExtension;
import org.servicemanager.test.junit.ServiceManagerRuntimeInfo;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * The proxy end to end: a Service Manager on PostgreSQL in Jetty, a fake broker, and a proxy
 * replicating into a platform, all over real HTTP and WebSocket on loopback. Each subclass runs the
 * same scenarios against one kind of platform.
 */
abstract class ProxyScenarioTest {
    static final Duration CONVERGE = Duration.ofSeconds(20);
    static final String ORG = "organization_guid";

    final PostgresDatabases databases = new PostgresDatabases();
    DataSource dataSource;

    /** The first node's Service Manager, on a fresh PostgreSQL database; the test serves it in Jetty. */
    @RegisterExtension
    ServiceManagerExtension fixture = ServiceManagerExtension.newInstance()
            .adminUser("admin", SmNode.ADMIN_PASSWORD)
            .store(() -> {
                dataSource = databases.fresh();
                return JdbcStore.builder(dataSource).build();
            })
            .configure(builder -> builder.encryptionKey(SmNode.KEY))
            .http(false)
            .build();

    SmNode node;
    BrokerStub broker;
    PlatformProbe probe;
    String platformId;
    String platformUser;
    String platformPassword;
    BrokerProxy proxy;

    /** A fresh platform for one test. */
    abstract PlatformProbe newPlatform() throws Exception;

    @BeforeEach
    void startEverything(ServiceManagerRuntimeInfo info) throws Exception {
        node = SmNode.serve(info.serviceManager(), (JdbcStore) info.serviceManager().store());
        broker = info.brokerStub().withBasicAuth("broker-user", "broker-pass").catalog(Catalogs.of(
                Catalogs.offering("db").plan(Catalogs.plan("small")).plan(Catalogs.plan("large"))));
        probe = newPlatform();
        JsonNode platform = node.admin().post("/v1/platforms",
                "{\"name\":\"cf-eu\",\"type\":\"cloudfoundry\"}").json();
        platformId = platform.get("id").asText();
        platformUser = platform.at("/credentials/basic/username").asText();
        platformPassword = platform.at("/credentials/basic/password").asText();
    }

    @AfterEach
    void stopEverything() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        probe.close();
        // Before the fixture's own stop: the databases cannot be dropped while the store holds connections.
        node.close();
        databases.dropAll();
    }

    BrokerProxy startProxy(URI sm) {
        proxy = BrokerProxy.builder()
                .serviceManager(sm, platformUser, platformPassword)
                .platform(probe.platform())
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .build()
                .start();
        return proxy;
    }

    String registerBroker(ApiClient admin, String name) {
        ApiResponse response = admin.post("/v1/service_brokers", "{\"name\":\"" + name + "\",\"broker_url\":\""
                + broker.url() + "\",\"credentials\":{\"basic\":{\"username\":\"broker-user\","
                + "\"password\":\"broker-pass\"}}}");
        assertThat(response.status()).as(response.toString()).isEqualTo(201);
        return response.text("id");
    }

    String planId(ApiClient admin, String catalogId) {
        ApiResponse response = admin.get("/v1/service_plans?fieldQuery="
                + ApiClient.encode("catalog_id eq '" + catalogId + "'"));
        return response.json().at("/items/0/id").asText();
    }

    String createVisibility(ApiClient admin, String planId, String... orgs) {
        StringBuilder labels = new StringBuilder();
        if (orgs.length > 0) {
            labels.append(",\"labels\":{\"").append(ORG).append("\":[");
            for (int i = 0; i < orgs.length; i++) {
                labels.append(i == 0 ? "" : ",").append('"').append(orgs[i]).append('"');
            }
            labels.append("]}");
        }
        ApiResponse response = admin.post("/v1/visibilities", "{\"service_plan_id\":\"" + planId
                + "\",\"platform_id\":\"" + platformId + "\"" + labels + "}");
        assertThat(response.status()).as(response.toString()).isEqualTo(201);
        return response.text("id");
    }

    void relabel(ApiClient admin, String visibilityId, String op, String org) {
        ApiResponse response = admin.patch("/v1/visibilities/" + visibilityId, "{\"labels\":[{\"op\":\"" + op
                + "\",\"key\":\"" + ORG + "\",\"values\":[\"" + org + "\"]}]}");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + CONVERGE + ": " + what);
            }
            Thread.sleep(20);
        }
    }

    void awaitAccess(String brokerName, String catalogPlanId, PlanAccess expected) throws InterruptedException {
        await(brokerName + "/" + catalogPlanId + " has access " + expected + " (now "
                + probe.access(brokerName, catalogPlanId) + ")",
                () -> probe.access(brokerName, catalogPlanId).equals(Optional.of(expected)));
    }

    void awaitNoAccess(String brokerName, String catalogPlanId) throws InterruptedException {
        await(brokerName + "/" + catalogPlanId + " is not usable (now " + probe.access(brokerName, catalogPlanId)
                + ")", () -> probe.access(brokerName, catalogPlanId).map(a -> a.equals(PlanAccess.none()))
                        .orElse(true));
    }

    /**
     * Starts the proxy against the Service Manager through {@code relay}, registers broker pg and makes
     * its plan small visible to the platform in {@code org}, and waits until the platform has it.
     * Returns the visibility's id.
     */
    String proxyThrough(Relay relay, ApiClient admin, String org) throws InterruptedException {
        startProxy(relay.uri());
        registerBroker(admin, "pg");
        String visibility = createVisibility(admin, planId(admin, "small-id"), org);
        awaitAccess("sm-pg", "small-id", PlanAccess.scoped(Set.of(org)));
        return visibility;
    }

    /** The changes a proxy misses while cut off: org-2 added to {@code visibility} and plan large made visible. */
    void changeWhileCut(ApiClient admin, String visibility) {
        relabel(admin, visibility, "add_values", "org-2");
        createVisibility(admin, planId(admin, "large-id"));
    }

    /** Waits until the platform shows the changes of {@link #changeWhileCut} on the visibility of org-1. */
    void awaitChangesWhileCut() throws InterruptedException {
        awaitAccess("sm-pg", "small-id", PlanAccess.scoped(Set.of("org-1", "org-2")));
        awaitAccess("sm-pg", "large-id", PlanAccess.everyone());
    }

    @Test
    @DisplayName("a broker appears as sm-<name> at /v1/osb/<id> once the platform may see a plan of it, with that plan's access")
    void registersVisibleBrokers() throws Exception {
        ApiClient admin = node.admin();
        startProxy(node.uri);
        String brokerId = registerBroker(admin, "pg");
        createVisibility(admin, planId(admin, "small-id"));

        awaitAccess("sm-pg", "small-id", PlanAccess.everyone());
        assertThat(probe.brokerUrl("sm-pg")).contains(node.uri + "/v1/osb/" + brokerId);
        assertThat(probe.access("sm-pg", "large-id").orElse(PlanAccess.none())).isEqualTo(PlanAccess.none());
    }

    @Test
    @DisplayName("relabelling a visibility moves the plan's organization scope along")
    void orgScopeFollowsLabels() throws Exception {
        ApiClient admin = node.admin();
        startProxy(node.uri);
        registerBroker(admin, "pg");
        String visibility = createVisibility(admin, planId(admin, "small-id"), "org-1");
        awaitAccess("sm-pg", "small-id", PlanAccess.scoped(Set.of("org-1")));

        relabel(admin, visibility, "add_values", "org-2");
        awaitAccess("sm-pg", "small-id", PlanAccess.scoped(Set.of("org-1", "org-2")));
        relabel(admin, visibility, "remove_values", "org-1");
        awaitAccess("sm-pg", "small-id", PlanAccess.scoped(Set.of("org-2")));
    }

    @Test
    @DisplayName("deleting a visibility, the plan (by catalog refresh) or the broker: the platform follows, and a broker registered by hand is never touched")
    void removalsFollow() throws Exception {
        ApiClient admin = node.admin();
        probe.registerByHand("manual", broker.url(), "broker-user", "broker-pass");
        startProxy(node.uri);
        String brokerId = registerBroker(admin, "pg");
        String small = createVisibility(admin, planId(admin, "small-id"));
        createVisibility(admin, planId(admin, "large-id"), "org-1");
        awaitAccess("sm-pg", "large-id", PlanAccess.scoped(Set.of("org-1")));
        awaitAccess("sm-pg", "small-id", PlanAccess.everyone());

        assertThat(admin.delete("/v1/visibilities/" + small).status()).isEqualTo(200);
        awaitNoAccess("sm-pg", "small-id");

        broker.catalog(Catalogs.of(Catalogs.offering("db").plan(Catalogs.plan("small"))));
        assertThat(admin.patch("/v1/service_brokers/" + brokerId, "{}").status()).isEqualTo(200);
        awaitNoAccess("sm-pg", "large-id");

        assertThat(admin.delete("/v1/service_brokers/" + brokerId).status()).isEqualTo(200);
        await("sm-pg is gone", () -> probe.brokerUrl("sm-pg").isEmpty());
        assertThat(probe.brokerUrl("manual")).contains(broker.url());
    }

    @Test
    @DisplayName("a proxy cut off while things change catches up from its revision when it can connect again, and replays change nothing")
    void catchesUpAfterACut() throws Exception {
        ApiClient admin = node.admin();
        try (Relay relay = Relay.to(node.uri)) {
            String visibility = proxyThrough(relay, admin, "org-1");
            long resyncs = proxy.completedResyncs();

            relay.cut(true);
            changeWhileCut(admin, visibility);
            relay.resume();

            awaitChangesWhileCut();
            assertThat(proxy.completedResyncs()).as("caught up from its revision, without a full resync")
                    .isEqualTo(resyncs);
            long changes = probe.changes();
            relay.cut(false);
            long newest = node.store.notifications().newestRevision();
            assertThat(proxy.awaitRevision(newest, CONVERGE)).isTrue();
            assertThat(probe.changes()).as("nothing applied twice").isEqualTo(changes);
        }
    }

    @Test
    @DisplayName("when the platform may see no plan of a broker any more, its registration goes")
    void lastVisibilityGoneRemovesTheRegistration() throws Exception {
        ApiClient admin = node.admin();
        startProxy(node.uri);
        registerBroker(admin, "pg");
        String visibility = createVisibility(admin, planId(admin, "small-id"));
        awaitAccess("sm-pg", "small-id", PlanAccess.everyone());

        assertThat(admin.delete("/v1/visibilities/" + visibility).status()).isEqualTo(200);
        await("sm-pg is gone", () -> probe.brokerUrl("sm-pg").isEmpty());
    }

    @Test
    @DisplayName("connections cut again and again while changes stream lose no change and apply none twice")
    void cutsMidStream() throws Exception {
        ApiClient admin = node.admin();
        try (Relay relay = Relay.to(node.uri)) {
            String visibility = proxyThrough(relay, admin, "org-0");
            Set<String> orgs = new java.util.TreeSet<>(Set.of("org-0"));
            for (int i = 1; i <= 12; i++) {
                relabel(admin, visibility, "add_values", "org-" + i);
                orgs.add("org-" + i);
                if (i % 3 == 0) {
                    relay.cut(false);
                }
            }
            relabel(admin, visibility, "remove_values", "org-0");
            orgs.remove("org-0");
            awaitAccess("sm-pg", "small-id", PlanAccess.scoped(orgs));
        }
    }

    @Test
    @DisplayName("a proxy whose revision is no longer kept gets 410, resyncs fully and ends in the same state")
    void tooOldRevisionResyncs() throws Exception {
        ApiClient admin = node.admin();
        try (Relay relay = Relay.to(node.uri)) {
            String small = proxyThrough(relay, admin, "org-1");
            long resyncs = proxy.completedResyncs();

            relay.cut(true);
            changeWhileCut(admin, small);
            int removed = node.store.notifications().removeCreatedBefore(java.time.Instant.now().plusSeconds(60),
                    10_000);
            assertThat(removed).isPositive();
            relay.resume();

            awaitChangesWhileCut();
            assertThat(proxy.awaitResyncs(resyncs + 1, CONVERGE)).as("a full resync after the 410").isTrue();
        }
    }

    @Test
    @DisplayName("with two Service Manager nodes on one PostgreSQL, a change made through node A reaches a proxy connected to node B")
    void twoNodes() throws Exception {
        try (SmNode nodeB = SmNode.start(dataSource, b -> { })) {
            ApiClient adminA = node.admin();
            startProxy(nodeB.uri);
            assertThat(proxy.awaitResyncs(1, CONVERGE)).isTrue();
            registerBroker(adminA, "pg");
            long start = System.nanoTime();
            createVisibility(adminA, planId(adminA, "small-id"), "org-1");
            awaitAccess("sm-pg", "small-id", PlanAccess.scoped(Set.of("org-1")));
            System.out.printf("node A -> proxy on node B -> platform: %d ms%n",
                    (System.nanoTime() - start) / 1_000_000);
        }
    }
}
