package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.standalone.OperationsApi.Started;
import org.servicemanager.storage.jdbc.RootSafeBinaryResolver;
import org.servicemanager.test.broker.Reply;

/**
 * Two nodes on one PostgreSQL share the operations through leases in the store: node A runs in a
 * JVM of its own and is killed with {@code kill -9} while it works operations, holding their leases;
 * node B, in this JVM, takes them over once the leases run out and finishes them. The broker tells
 * whether an operation was ever worked by both nodes at once: it would be polled at twice the rate.
 */
@DisplayName("Two nodes on one PostgreSQL, one killed with kill -9")
class OperationsTwoNodesTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final int OPERATIONS = 4;

    private static EmbeddedPostgres postgres;

    @TempDir
    Path work;

    private String jdbcUrl;
    private final byte[] key = new byte[32];

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = EmbeddedPostgres.builder()
                .setPgBinaryResolver(RootSafeBinaryResolver.runningAsRoot()
                        ? RootSafeBinaryResolver.INSTANCE : DefaultPostgresBinaryResolver.INSTANCE)
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @BeforeEach
    void freshSchema() throws Exception {
        String schema = "sm_ops_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA " + schema);
        }
        jdbcUrl = postgres.getJdbcUrl("postgres", "postgres") + "&currentSchema=" + schema;
        new SecureRandom().nextBytes(key);
    }

    @Test
    @DisplayName("node B finishes the async provisions node A was polling when it died, none polled by both at once")
    void pollingTakenOver() throws Exception {
        try (ScriptedBroker broker = new ScriptedBroker();
                LeasedNode nodeB = LeasedNode.start(jdbcUrl, key)) {
            LeasedNode.Spawned nodeA = LeasedNode.spawn(jdbcUrl, key, work.resolve("node-a.log"));
            List<Started> started = new ArrayList<>();
            try {
                OperationsApi viaA = new OperationsApi(nodeA.baseUrl());
                String planId = viaA.registerPublicPlan(broker);
                for (int i = 0; i < OPERATIONS; i++) {
                    started.add(viaA.provisionAsync("taken-over-" + i, planId));
                }
                OperationsApi.await(DEADLINE, () -> "two polls of each; broker saw " + broker.requests(),
                        () -> started.stream().allMatch(s -> broker.polls(s.instanceId()) >= 2));

                // Both nodes alive for a few poll intervals: only A works them (it holds the leases).
                Map<String, Integer> before = polls(broker, started);
                long window = System.nanoTime();
                Thread.sleep(3 * LeasedNode.POLL.toMillis());
                double intervals = (System.nanoTime() - window) / (double) LeasedNode.POLL.toNanos();
                // The store says the same: one node (A, which started them) holds every lease, unexpired.
                Set<String> owners = new HashSet<>();
                for (Started s : started) {
                    Operation operation = nodeB.serviceManager().store().repository(EntityTypes.OPERATIONS)
                            .get(s.operationId()).orElseThrow();
                    assertThat(operation.leaseUntil()).as("%s", operation).isAfter(Instant.now());
                    owners.add(operation.leaseOwner());
                }
                assertThat(owners).hasSize(1).doesNotContainNull();
                for (Started s : started) {
                    assertThat(broker.polls(s.instanceId()) - before.get(s.instanceId()))
                            .as("polls of %s in %.1f poll intervals with both nodes alive", s.instanceId(), intervals)
                            .isLessThanOrEqualTo((int) Math.ceil(intervals) + 1);
                }
            } finally {
                nodeA.kill();
            }
            broker.lastOperationSays("succeeded");

            OperationsApi viaB = new OperationsApi(nodeB.baseUrl());
            OperationsApi.await(DEADLINE, () -> "all succeeded on node B", () -> started.stream().allMatch(
                    s -> "succeeded".equals(viaB.operation(s.location()).get("state").asText())));

            for (Started s : started) {
                JsonNode instance = viaB.instance(s.instanceId()).json();
                assertThat(instance.get("ready").asBoolean()).as("%s", instance).isTrue();
            }
            assertThat(broker.shortestPollGap()).as("no operation polled by two nodes at once")
                    .isGreaterThanOrEqualTo(LeasedNode.POLL.dividedBy(2));
            assertThat(broker.provisions()).as("each provision sent once").hasSize(OPERATIONS)
                    .doesNotHaveDuplicates();
            assertThat(broker.instances()).isEqualTo(ids(started));
            assertThat(broker.deprovisions()).isEmpty();
        }
    }

    @Test
    @DisplayName("node B finishes the orphan mitigation node A was retrying when it died: nothing is left at the"
            + " broker, nothing here")
    void mitigationTakenOver() throws Exception {
        try (ScriptedBroker broker = new ScriptedBroker();
                LeasedNode nodeB = LeasedNode.start(jdbcUrl, key)) {
            broker.provisionAnswers(Reply.error(500, "InternalError", "half-way"))
                    .deprovisionAnswers(Reply.error(500, "InternalError", "not yet"));
            LeasedNode.Spawned nodeA = LeasedNode.spawn(jdbcUrl, key, work.resolve("node-a.log"));
            List<Started> started = new ArrayList<>();
            try {
                OperationsApi viaA = new OperationsApi(nodeA.baseUrl());
                String planId = viaA.registerPublicPlan(broker);
                for (int i = 0; i < OPERATIONS; i++) {
                    started.add(viaA.provisionAsync("orphan-" + i, planId));
                }
                OperationsApi.await(DEADLINE, () -> "a deprovision of each; broker saw " + broker.requests(),
                        () -> new HashSet<>(broker.deprovisions()).containsAll(ids(started)));
            } finally {
                nodeA.kill();
            }
            assertThat(broker.instances()).as("the broker holds the orphans").isEqualTo(ids(started));
            broker.deprovisionAnswers(Reply.json(200, "{}"));

            OperationsApi viaB = new OperationsApi(nodeB.baseUrl());
            OperationsApi.await(DEADLINE, () -> "every record gone on node B", () -> started.stream().allMatch(
                    s -> viaB.instance(s.instanceId()).status() == 404));

            assertThat(broker.instances()).as("nothing left at the broker").isEmpty();
            assertThat(viaB.instanceCount()).as("nothing left here").isZero();
            for (Started s : started) {
                JsonNode operation = viaB.operation(s.location());
                assertThat(operation.get("state").asText()).as("%s", operation).isEqualTo("failed");
            }
            assertThat(broker.provisions()).as("each provision sent once").hasSize(OPERATIONS);
            assertThat(broker.shortestDeprovisionGap()).as("no mitigation retried by two nodes at once")
                    .isGreaterThanOrEqualTo(LeasedNode.RETRY.dividedBy(2));
        }
    }

    @Test
    @DisplayName("node B takes over the provisions node A died calling the broker for, once their leases ran out:"
            + " failed as Interrupted, deleted at the broker, nothing left on either side")
    void callInFlightTakenOver() throws Exception {
        try (ScriptedBroker broker = new ScriptedBroker();
                LeasedNode nodeB = LeasedNode.start(jdbcUrl, key)) {
            // The broker takes its time: node A dies before any answer, not knowing what the broker did.
            broker.provisionAnswers(Reply.json(201, "{}").after(Duration.ofSeconds(30)));
            LeasedNode.Spawned nodeA = LeasedNode.spawn(jdbcUrl, key, work.resolve("node-a.log"));
            List<Started> started = new ArrayList<>();
            try {
                OperationsApi viaA = new OperationsApi(nodeA.baseUrl());
                String planId = viaA.registerPublicPlan(broker);
                for (int i = 0; i < OPERATIONS; i++) {
                    started.add(viaA.provisionAsync("in-flight-" + i, planId));
                }
                OperationsApi.await(DEADLINE, () -> "every provision at the broker; broker saw " + broker.requests(),
                        () -> broker.provisions().size() == OPERATIONS);
            } finally {
                nodeA.kill();
            }

            OperationsApi viaB = new OperationsApi(nodeB.baseUrl());
            OperationsApi.await(DEADLINE, () -> "every record gone on node B", () -> started.stream().allMatch(
                    s -> viaB.instance(s.instanceId()).status() == 404));

            for (Started s : started) {
                JsonNode operation = viaB.operation(s.location());
                assertThat(operation.get("state").asText()).as("%s", operation).isEqualTo("failed");
                assertThat(operation.at("/errors/0/error").asText()).as("%s", operation).isEqualTo("Interrupted");
            }
            assertThat(broker.deprovisions()).as("each deleted at the broker once").hasSize(OPERATIONS)
                    .doesNotHaveDuplicates();
            assertThat(broker.instances()).as("nothing left at the broker").isEmpty();
            assertThat(viaB.instanceCount()).as("nothing left here").isZero();
            assertThat(broker.provisions()).as("no provision sent again").hasSize(OPERATIONS);
        }
    }

    @Test
    @DisplayName("node B finishes the cascade delete of a platform node A was working when it died: the unbind in"
            + " flight is sent again, then the deprovision, then the platform goes; nothing is left at the broker")
    void platformCascadeTakenOver() throws Exception {
        try (ScriptedBroker broker = new ScriptedBroker();
                LeasedNode nodeB = LeasedNode.start(jdbcUrl, key)) {
            broker.provisionAnswers(Reply.json(201, "{}"))
                    // The unbind hangs: node A dies not knowing whether the broker did it.
                    .unbindAnswers(Reply.json(200, "{}").after(Duration.ofSeconds(30)));
            LeasedNode.Spawned nodeA = LeasedNode.spawn(jdbcUrl, key, work.resolve("node-a.log"));
            String instanceId = UUID.randomUUID().toString();
            String bindingId = UUID.randomUUID().toString();
            String location;
            String platformId;
            try {
                OperationsApi viaA = new OperationsApi(nodeA.baseUrl());
                viaA.registerPublicPlan(broker);
                viaA.platformWithBinding("doomed", instanceId, bindingId);
                platformId = viaA.platformId("doomed");
                var deleting = viaA.client().delete("/v1/platforms/" + platformId + "?cascade=true");
                assertThat(deleting.status()).as("%s", deleting).isEqualTo(202);
                location = deleting.header("Location").orElseThrow();
                OperationsApi.await(DEADLINE, () -> "the unbind at the broker; broker saw " + broker.requests(),
                        () -> broker.unbinds().size() == 1);
            } finally {
                nodeA.kill();
            }
            broker.unbindAnswers(Reply.json(410, "{}"));

            OperationsApi viaB = new OperationsApi(nodeB.baseUrl());
            OperationsApi.await(DEADLINE, () -> "the cascade ended on node B: " + viaB.operation(location),
                    () -> !"in progress".equals(viaB.operation(location).get("state").asText()));

            JsonNode root = viaB.operation(location);
            assertThat(root.get("state").asText()).as("%s", root).isEqualTo("succeeded");
            assertThat(viaB.client().get("/v1/platforms/" + platformId).status()).isEqualTo(404);
            assertThat(viaB.instance(instanceId).status()).isEqualTo(404);
            assertThat(viaB.client().get("/v1/service_bindings/" + bindingId).status()).isEqualTo(404);
            assertThat(broker.unbinds()).as("the unbind in flight sent again").containsExactly(bindingId, bindingId);
            assertThat(broker.deprovisions()).containsExactly(instanceId);
            assertThat(broker.bindings()).as("nothing left at the broker").isEmpty();
            assertThat(broker.instances()).as("nothing left at the broker").isEmpty();
        }
    }

    private static Map<String, Integer> polls(ScriptedBroker broker, List<Started> started) {
        Map<String, Integer> polls = new HashMap<>();
        started.forEach(s -> polls.put(s.instanceId(), broker.polls(s.instanceId())));
        return polls;
    }

    private static Set<String> ids(List<Started> started) {
        Set<String> ids = new HashSet<>();
        started.forEach(s -> ids.add(s.instanceId()));
        return ids;
    }
}
