package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.servicemanager.standalone.OperationsApi.Started;
import org.servicemanager.test.broker.Reply;
import org.servicemanager.test.process.JarProcess;

/**
 * The packaged jar on its default storage (an H2 file), killed with {@code kill -9} while an
 * operation is under way: after a restart on the same file the operation is worked to its end. The
 * H2 store is not clustered, so the restarted process takes the dead one's leases at once.
 */
@DisplayName("java -jar sm-standalone.jar killed with kill -9 mid-operation")
class StandaloneOperationsCrashIT {
    private static final Pattern LISTENING = Pattern.compile("Service Manager listening on (http://\\S+)");
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path work;

    @Test
    @DisplayName("an async provision being polled when the process is killed succeeds after the restart")
    void pollingSurvivesKill() throws Exception {
        try (ScriptedBroker broker = new ScriptedBroker()) {
            Started started;
            try (JarProcess first = start("first")) {
                OperationsApi api = new OperationsApi(baseUrl(first));
                String planId = api.registerPublicPlan(broker);
                started = api.provisionAsync("survivor", planId);
                // Polled once: the broker's 202 is stored (step POLL), the operation is mid-way.
                OperationsApi.await(DEADLINE, () -> "a poll; broker saw " + broker.requests(),
                        () -> broker.polls(started.instanceId()) >= 1);
                assertThat(api.operation(started.location()).get("state").asText()).isEqualTo("in progress");
                kill(first);
            }
            broker.lastOperationSays("succeeded");

            try (JarProcess second = start("second")) {
                OperationsApi api = new OperationsApi(baseUrl(second));
                OperationsApi.await(DEADLINE, () -> "succeeded: " + api.operation(started.location()),
                        () -> "succeeded".equals(api.operation(started.location()).get("state").asText()));

                JsonNode instance = api.instance(started.instanceId()).json();
                assertThat(instance.get("ready").asBoolean()).as("%s", instance).isTrue();
                assertThat(instance.at("/last_operation/state").asText()).isEqualTo("succeeded");
                assertThat(broker.provisions()).as("the provision is not sent again").hasSize(1);
                assertThat(broker.deprovisions()).isEmpty();
                assertThat(broker.instances()).containsExactly(started.instanceId());
                second.process().destroy();
                second.process().waitFor(15, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    @DisplayName("an orphan mitigation under way when the process is killed is retried after the restart until"
            + " the broker confirms, and then neither side keeps the instance")
    void mitigationSurvivesKill() throws Exception {
        try (ScriptedBroker broker = new ScriptedBroker()) {
            broker.provisionAnswers(Reply.error(500, "InternalError", "half-way"))
                    .deprovisionAnswers(Reply.error(500, "InternalError", "not yet"));
            Started started;
            try (JarProcess first = start("first")) {
                OperationsApi api = new OperationsApi(baseUrl(first));
                String planId = api.registerPublicPlan(broker);
                started = api.provisionAsync("orphan", planId);
                OperationsApi.await(DEADLINE, () -> "a deprovision; broker saw " + broker.requests(),
                        () -> !broker.deprovisions().isEmpty());
                JsonNode operation = api.operation(started.location());
                assertThat(operation.get("state").asText()).as("%s", operation).isEqualTo("failed");
                assertThat(operation.has("deletion_scheduled")).as("%s", operation).isTrue();
                kill(first);
            }
            int deprovisionsBeforeRestart = broker.deprovisions().size();
            broker.deprovisionAnswers(Reply.json(200, "{}"));
            assertThat(broker.instances()).as("the broker holds the orphan").containsExactly(started.instanceId());

            try (JarProcess second = start("second")) {
                OperationsApi api = new OperationsApi(baseUrl(second));
                OperationsApi.await(DEADLINE, () -> "the record gone: " + api.instance(started.instanceId()),
                        () -> api.instance(started.instanceId()).status() == 404);

                assertThat(broker.deprovisions()).hasSizeGreaterThan(deprovisionsBeforeRestart);
                assertThat(broker.instances()).as("nothing left at the broker").isEmpty();
                assertThat(api.instanceCount()).as("nothing left here").isZero();
                JsonNode operation = api.operation(started.location());
                assertThat(operation).as("the failed operation stays listed").isNotNull();
                assertThat(operation.get("state").asText()).isEqualTo("failed");
                assertThat(broker.provisions()).as("the provision is not sent again").hasSize(1);
                second.process().destroy();
                second.process().waitFor(15, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    @DisplayName("a provision whose broker call is in flight when the process is killed fails as Interrupted after"
            + " the restart, and the instance is deleted at the broker: neither side keeps it")
    void brokerCallInFlightSurvivesKill() throws Exception {
        try (ScriptedBroker broker = new ScriptedBroker()) {
            // The broker takes its time: the process dies before any answer, not knowing what the broker did.
            broker.provisionAnswers(Reply.json(201, "{}").after(Duration.ofSeconds(30)));
            Started started;
            try (JarProcess first = start("first")) {
                OperationsApi api = new OperationsApi(baseUrl(first));
                String planId = api.registerPublicPlan(broker);
                started = api.provisionAsync("in-flight", planId);
                OperationsApi.await(DEADLINE, () -> "the provision at the broker; broker saw " + broker.requests(),
                        () -> broker.provisions().size() == 1);
                kill(first);
            }

            try (JarProcess second = start("second")) {
                OperationsApi api = new OperationsApi(baseUrl(second));
                OperationsApi.await(DEADLINE, () -> "the record gone: " + api.instance(started.instanceId()),
                        () -> api.instance(started.instanceId()).status() == 404);

                JsonNode operation = api.operation(started.location());
                assertThat(operation.get("state").asText()).as("%s", operation).isEqualTo("failed");
                assertThat(operation.at("/errors/0/error").asText()).as("%s", operation).isEqualTo("Interrupted");
                assertThat(broker.deprovisions()).as("deleted at the broker").containsExactly(started.instanceId());
                assertThat(broker.instances()).as("nothing left at the broker").isEmpty();
                assertThat(api.instanceCount()).as("nothing left here").isZero();
                assertThat(broker.provisions()).as("the provision is not sent again").hasSize(1);
                second.process().destroy();
                second.process().waitFor(15, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    @DisplayName("a deprovision whose broker call is in flight when the process is killed is sent again after the"
            + " restart; the broker's 410 ends it and the record goes")
    void deleteInFlightSurvivesKill() throws Exception {
        try (ScriptedBroker broker = new ScriptedBroker()) {
            broker.provisionAnswers(Reply.json(201, "{}"))
                    .deprovisionAnswers(Reply.json(200, "{}").after(Duration.ofSeconds(30)));
            String instanceId;
            String location;
            try (JarProcess first = start("first")) {
                OperationsApi api = new OperationsApi(baseUrl(first));
                String planId = api.registerPublicPlan(broker);
                var created = api.client().post("/v1/service_instances",
                        "{\"name\":\"doomed\",\"service_plan_id\":\"" + planId + "\"}");
                assertThat(created.status()).as("%s", created).isEqualTo(201);
                instanceId = created.text("id");
                var deleting = api.client().delete("/v1/service_instances/" + instanceId + "?async=true");
                assertThat(deleting.status()).as("%s", deleting).isEqualTo(202);
                location = deleting.header("Location").orElseThrow();
                OperationsApi.await(DEADLINE, () -> "the deprovision at the broker; broker saw " + broker.requests(),
                        () -> broker.deprovisions().size() == 1);
                kill(first);
            }
            // The broker did delete it; asked again, it answers 410 Gone, which ends a delete successfully.
            broker.deprovisionAnswers(Reply.json(410, "{}"));

            try (JarProcess second = start("second")) {
                OperationsApi api = new OperationsApi(baseUrl(second));
                OperationsApi.await(DEADLINE, () -> "the record gone: " + api.instance(instanceId),
                        () -> api.instance(instanceId).status() == 404);

                JsonNode operation = api.operation(location);
                assertThat(operation.get("type").asText()).isEqualTo("delete");
                assertThat(operation.get("state").asText()).as("%s", operation).isEqualTo("succeeded");
                assertThat(broker.deprovisions()).as("sent again after the restart").containsExactly(instanceId,
                        instanceId);
                assertThat(broker.instances()).isEmpty();
                assertThat(api.instanceCount()).isZero();
                second.process().destroy();
                second.process().waitFor(15, TimeUnit.SECONDS);
            }
        }
    }

    private JarProcess start(String name) throws IOException {
        Path jar = Path.of(System.getProperty("sm.standalone.jar", "target/sm-standalone.jar"));
        assertThat(jar).as("the shaded jar, built in the package phase").isRegularFile();
        return JarProcess.start(jar, work.resolve(name),
                "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", OperationsApi.ADMIN_PASSWORD,
                "SM_DATA_DIR", work.resolve("data").toString(),
                "SM_OPERATIONS_POLL_SECONDS", "1",
                "SM_OPERATIONS_RETRY_SECONDS", "1");
    }

    private static String baseUrl(JarProcess process) throws IOException, InterruptedException {
        Matcher url = LISTENING.matcher(process.awaitStdout(LISTENING, DEADLINE));
        assertThat(url.find()).isTrue();
        return url.group(1);
    }

    /** SIGKILL: no shutdown hook runs, no lease is released, H2 is not closed. */
    private static void kill(JarProcess process) throws InterruptedException {
        process.process().destroyForcibly();
        assertThat(process.process().waitFor(15, TimeUnit.SECONDS)).as("killed within 15 s").isTrue();
        assertThat(process.process().exitValue()).as("killed by SIGKILL").isEqualTo(137);
    }
}
