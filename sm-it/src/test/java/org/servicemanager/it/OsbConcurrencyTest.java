package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.broker.FakeOsbService;
import org.servicemanager.test.broker.RecordedRequest;
import org.servicemanager.test.broker.Reply;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("/v1/osb under concurrent calls")
class OsbConcurrencyTest extends OsbTestBase {
    private static final int CALLS = 8;
    private static final String ASYNC = "?accepts_incomplete=true";

    private final ExecutorService pool = Executors.newFixedThreadPool(CALLS);

    @AfterAll
    void stopPool() {
        pool.shutdownNow();
    }

    /** Runs the calls at the same moment (as far as threads allow) and returns their answers in order. */
    private List<ApiResponse> together(List<Callable<ApiResponse>> calls) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<ApiResponse>> futures = new ArrayList<>();
        for (Callable<ApiResponse> call : calls) {
            futures.add(pool.submit(() -> {
                start.await();
                return call.call();
            }));
        }
        start.countDown();
        List<ApiResponse> answers = new ArrayList<>();
        for (Future<ApiResponse> future : futures) {
            answers.add(future.get(30, TimeUnit.SECONDS));
        }
        return answers;
    }

    private List<JsonNode> recordsWithId(String resource, String id) {
        return items("/v1/" + resource + "?fieldQuery=" + q("id eq '" + id + "'"));
    }

    @Test
    @DisplayName("8 concurrent provisions of one instance id by one platform make exactly one record")
    void concurrentProvisions() throws Exception {
        String id = unique("i");
        List<Callable<ApiResponse>> calls = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            calls.add(() -> osbA.put(stage.instance(id), provisionBody("small")));
        }

        List<ApiResponse> answers = together(calls);

        assertThat(answers).extracting(ApiResponse::status).containsOnly(200, 201).containsOnlyOnce(201);
        assertThat(recordsWithId("service_instances", id)).hasSize(1);
        assertThat(recordsWithId("service_instances", id).get(0).get("ready").asBoolean()).isTrue();
        assertThat(stage.osb.instanceIds()).contains(id);
    }

    @Test
    @DisplayName("concurrent provisions of one instance id by two platforms: one platform owns it, the other gets 404")
    void concurrentProvisionsByTwoPlatforms() throws Exception {
        String id = unique("i");
        List<Callable<ApiResponse>> calls = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            calls.add(i % 2 == 0 ? () -> osbA.put(stage.instance(id), provisionBody("small"))
                    : () -> osbB.put(stage.instance(id), provisionBody("small")));
        }

        List<ApiResponse> answers = together(calls);

        List<JsonNode> records = recordsWithId("service_instances", id);
        assertThat(records).hasSize(1);
        boolean ownedByA = records.get(0).get("platform_id").asText().equals(platformId(platformA));
        for (int i = 0; i < CALLS; i++) {
            boolean fromOwner = (i % 2 == 0) == ownedByA;
            assertThat(answers.get(i).status()).as(answers.get(i).body())
                    .isIn(fromOwner ? List.of(200, 201) : List.of(404));
        }
    }

    @Test
    @DisplayName("8 concurrent binds of one binding id make exactly one record")
    void concurrentBinds() throws Exception {
        String id = provisioned(osbA, "small");
        String bindingId = unique("b");
        List<Callable<ApiResponse>> calls = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            calls.add(() -> osbA.put(stage.binding(id, bindingId), bindBody("db", "small")));
        }

        List<ApiResponse> answers = together(calls);

        assertThat(answers).extracting(ApiResponse::status).containsOnly(200, 201).containsOnlyOnce(201);
        assertThat(recordsWithId("service_bindings", bindingId)).hasSize(1);
    }

    @Test
    @DisplayName("an update while an async provision is in progress is forwarded; the broker's ConcurrencyError "
            + "comes back and the record goes on as before")
    void updateDuringAsyncProvision() {
        stage.osb.asynchronous(1);
        String id = unique("i");
        osbA.put(stage.instance(id) + ASYNC, provisionBody("small"));

        ApiResponse response = osbA.patch(stage.instance(id) + ASYNC, json("service_id", "db-id",
                "plan_id", "large-id"));

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.text("error")).isEqualTo("ConcurrencyError");
        assertThat(stage.osbCalls()).extracting(RecordedRequest::method).containsExactly("PUT", "PATCH");
        JsonNode record = instanceRecord(id).json();
        assertThat(record.get("service_plan_id").asText()).isEqualTo(stage.plan("small"));
        assertThat(record.at("/last_operation/type").asText()).isEqualTo("create");
        assertThat(record.at("/last_operation/state").asText()).isEqualTo("in progress");
        osbA.get(stage.instance(id) + "/last_operation");
        osbA.get(stage.instance(id) + "/last_operation");
        assertThat(instanceRecord(id).json().get("ready").asBoolean()).isTrue();
        assertThat(instanceRecord(id).json().get("service_plan_id").asText()).isEqualTo(stage.plan("small"));
    }

    @Test
    @DisplayName("a deprovision while an async update is in progress is forwarded; after ConcurrencyError the "
            + "update still completes")
    void deprovisionDuringAsyncUpdate() {
        String id = provisioned(osbA, "small");
        stage.osb.asynchronous(1);
        osbA.patch(stage.instance(id) + ASYNC, json("service_id", "db-id", "plan_id", "large-id"));

        ApiResponse response = osbA.delete(stage.instance(id) + ASYNC + "&service_id=db-id&plan_id=small-id");

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.text("error")).isEqualTo("ConcurrencyError");
        assertThat(instanceRecord(id).json().at("/last_operation/type").asText()).isEqualTo("update");
        osbA.get(stage.instance(id) + "/last_operation");
        osbA.get(stage.instance(id) + "/last_operation");
        JsonNode record = instanceRecord(id).json();
        assertThat(record.get("service_plan_id").asText()).isEqualTo(stage.plan("large"));
        assertThat(record.at("/last_operation/state").asText()).isEqualTo("succeeded");
    }

    @Test
    @DisplayName("a repeated provision while the async provision is in progress is forwarded; the record stays")
    void provisionDuringAsyncProvision() {
        stage.osb.asynchronous(1);
        String id = unique("i");
        osbA.put(stage.instance(id) + ASYNC, provisionBody("small"));

        ApiResponse response = osbA.put(stage.instance(id) + ASYNC, provisionBody("small"));

        assertThat(response.status()).isEqualTo(422);
        assertThat(instanceRecord(id).status()).isEqualTo(200);
        assertThat(instanceRecord(id).json().at("/last_operation/state").asText()).isEqualTo("in progress");
    }

    @Test
    @DisplayName("a provision the broker refuses does not remove the record a concurrent provision of the same id "
            + "got confirmed meanwhile")
    void refusedProvisionKeepsConcurrentlyConfirmedRecord() throws Exception {
        Stage s = newStage(defaultCatalog());
        CountDownLatch firstArrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        s.broker.route("PUT", FakeOsbService.INSTANCE_PATH, request -> {
            if (calls.incrementAndGet() == 1) {
                firstArrived.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Reply.error(500, "InternalServerError", "the first call fails late");
            }
            return Reply.json(201, "{}");
        });
        String id = unique("i");
        Future<ApiResponse> first = pool.submit(() -> osbA.put(s.instance(id), provisionBody("small")));
        assertThat(firstArrived.await(10, TimeUnit.SECONDS)).isTrue();

        ApiResponse second = osbA.put(s.instance(id), provisionBody("small"));
        release.countDown();

        assertThat(second.status()).isEqualTo(201);
        assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(500);
        assertThat(instanceRecord(id).status()).as("the record the broker confirmed").isEqualTo(200);
        assertThat(instanceRecord(id).json().get("ready").asBoolean()).isTrue();
    }
}
