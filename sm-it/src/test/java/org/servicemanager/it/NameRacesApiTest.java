package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.test.http.ApiResponse;

/**
 * Names are unique among {@code service-manager} instances and among one instance's bindings
 * without a unique key in the store (instances of other platforms may share names): concurrent
 * creates with one name over real HTTP end with exactly one record, one broker call, one 201.
 */
@DisplayName("/v1/service_instances and /v1/service_bindings: concurrent creates with one name")
class NameRacesApiTest extends PlatformApiTestBase {
    private static final int CLIENTS = 6;
    /** Rounds of a rename race: enough for an unlucky interleaving to show up before the fix. */
    private static final int RENAME_ROUNDS = 5;

    /** Sends {@code CLIENTS} POSTs at once (as near as a barrier gets them) and returns the answers. */
    private List<ApiResponse> concurrently(String path, String body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(CLIENTS);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<ApiResponse>> futures = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                Callable<ApiResponse> post = () -> {
                    start.await(10, TimeUnit.SECONDS);
                    return admin.post(path, body);
                };
                futures.add(pool.submit(post));
            }
            List<ApiResponse> answers = new ArrayList<>();
            for (Future<ApiResponse> future : futures) {
                answers.add(future.get(30, TimeUnit.SECONDS));
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Sends one PATCH per path at once and returns the answers. */
    private static void assertOneCreated(List<ApiResponse> answers) {
        assertThat(answers).extracting(ApiResponse::status).as(answers.toString())
                .containsOnly(201, 409).filteredOn(s -> s == 201).hasSize(1);
        for (ApiResponse answer : answers) {
            if (answer.status() == 409) {
                assertError(answer, 409, "Conflict");
            }
        }
    }

    @Test
    @DisplayName("concurrent POSTs of instances with one name: one 201, the rest 409, one provision at the broker, no operation of the losers left")
    void instances() throws Exception {
        String name = unique("race");
        long operationsBefore = store().repository(EntityTypes.OPERATIONS).count(Query.all());

        List<ApiResponse> answers = concurrently("/v1/service_instances",
                json("name", name, "service_plan_id", stage.plan("small")));

        assertOneCreated(answers);
        assertThat(store().repository(EntityTypes.SERVICE_INSTANCES).count(Query.fieldEquals("name", name)))
                .isEqualTo(1);
        assertThat(stage.osbCalls()).filteredOn(r -> r.method().equals("PUT")).hasSize(1);
        assertThat(store().repository(EntityTypes.OPERATIONS).count(Query.all())).isEqualTo(operationsBefore + 1);
    }

    @Test
    @DisplayName("concurrent POSTs of bindings with one name on one instance: one 201, the rest 409, one bind at the broker")
    void bindings() throws Exception {
        ApiResponse provisioned = admin.post("/v1/service_instances", json("name", unique("i"),
                "service_plan_id", stage.plan("small")));
        assertThat(provisioned.status()).as(provisioned.body()).isEqualTo(201);
        String instanceId = provisioned.json().get("id").asText();
        stage.broker.clearRequests();
        String name = unique("bind");
        long operationsBefore = store().repository(EntityTypes.OPERATIONS).count(Query.all());

        List<ApiResponse> answers = concurrently("/v1/service_bindings",
                json("name", name, "service_instance_id", instanceId));

        assertOneCreated(answers);
        assertThat(store().repository(EntityTypes.SERVICE_BINDINGS).count(Query.fieldEquals("name", name)))
                .isEqualTo(1);
        assertThat(stage.osbCalls()).filteredOn(r -> r.method().equals("PUT")).hasSize(1);
        assertThat(store().repository(EntityTypes.OPERATIONS).count(Query.all())).isEqualTo(operationsBefore + 1);
    }

    @Test
    @DisplayName("concurrent renames of several instances to one name: at most one 200, the rest 409 with their old name, operation and labels back")
    void instanceRenames() throws Exception {
        List<ServiceInstance> instances = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            ServiceInstance instance = smInstance(stage.plan("small"));
            instances.add(instance);
            paths.add("/v1/service_instances/" + instance.id());
        }
        String name = unique("renamed");

        List<ApiResponse> answers = concurrentPatches(paths, json("name", name, "labels", List.of(
                java.util.Map.of("op", "add", "key", "team", "values", List.of("blue")))));

        assertThat(answers).extracting(ApiResponse::status).as(answers.toString()).isSubsetOf(200, 409);
        assertThat(answers).filteredOn(a -> a.status() == 200).hasSizeLessThanOrEqualTo(1);
        assertThat(store().repository(EntityTypes.SERVICE_INSTANCES).count(Query.fieldEquals("name", name)))
                .isEqualTo(answers.stream().filter(a -> a.status() == 200).count());
        for (int i = 0; i < CLIENTS; i++) {
            if (answers.get(i).status() == 409) {
                ServiceInstance back = store().repository(EntityTypes.SERVICE_INSTANCES).get(instances.get(i).id())
                        .orElseThrow();
                assertThat(back.name()).isEqualTo(instances.get(i).name());
                assertThat(back.labels().isEmpty()).isTrue();
                assertThat(back.lastOperation().operationId()).isEqualTo(instances.get(i).lastOperation()
                        .operationId());
            }
        }
    }

    @Test
    @DisplayName("concurrent renames of several instances to one free name: exactly one 200 each time, the name is not lost to a tie")
    void instanceRenamesToFreeNameHaveAWinner() throws Exception {
        // Several rounds: the loss of every rename needed all of them to commit before any checked.
        for (int round = 0; round < RENAME_ROUNDS; round++) {
            List<String> paths = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                paths.add("/v1/service_instances/" + smInstance(stage.plan("small")).id());
            }
            String name = unique("free");

            List<ApiResponse> answers = concurrentPatches(paths, json("name", name));

            assertThat(answers).extracting(ApiResponse::status).as("round " + round + ": " + answers)
                    .containsOnly(200, 409).filteredOn(s -> s == 200).hasSize(1);
            assertThat(store().repository(EntityTypes.SERVICE_INSTANCES).count(Query.fieldEquals("name", name)))
                    .isEqualTo(1);
        }
    }

    @Test
    @DisplayName("concurrent renames of one binding each to one free name: exactly one 200 each time")
    void bindingRenamesToFreeNameHaveAWinner() throws Exception {
        ServiceInstance instance = smInstance(stage.plan("small"));
        for (int round = 0; round < RENAME_ROUNDS; round++) {
            List<String> paths = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                paths.add("/v1/service_bindings/" + smBinding(instance.id(), unique("b"), null).id());
            }
            String name = unique("free");

            List<ApiResponse> answers = concurrentPatches(paths, json("name", name));

            assertThat(answers).extracting(ApiResponse::status).as("round " + round + ": " + answers)
                    .containsOnly(200, 409).filteredOn(s -> s == 200).hasSize(1);
            assertThat(store().repository(EntityTypes.SERVICE_BINDINGS).count(Query.fieldEquals("name", name)))
                    .isEqualTo(1);
        }
    }

    @Test
    @DisplayName("concurrent renames of one instance's bindings to one name: never two bindings with the name")
    void bindingRenames() throws Exception {
        ServiceInstance instance = smInstance(stage.plan("small"));
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            paths.add("/v1/service_bindings/" + smBinding(instance.id(), unique("b"), null).id());
        }
        String name = unique("renamed");

        List<ApiResponse> answers = concurrentPatches(paths, json("name", name));

        assertThat(answers).extracting(ApiResponse::status).as(answers.toString()).isSubsetOf(200, 409);
        assertThat(store().repository(EntityTypes.SERVICE_BINDINGS).count(Query.fieldEquals("name", name)))
                .isEqualTo(answers.stream().filter(a -> a.status() == 200).count()).isLessThanOrEqualTo(1);
    }

    @Test
    @DisplayName("after a race the name belongs to the winner alone: deleting it frees the name again")
    void nameFreeAfterwards() throws Exception {
        String name = unique("race");
        assertOneCreated(concurrently("/v1/service_instances", json("name", name, "service_plan_id",
                stage.plan("small"))));
        ServiceInstance winner = store().repository(EntityTypes.SERVICE_INSTANCES)
                .list(Query.fieldEquals("name", name), org.servicemanager.api.query.PageRequest.first(5)).items()
                .get(0);

        assertThat(admin.delete("/v1/service_instances/" + winner.id()).status()).isEqualTo(200);
        ApiResponse again = admin.post("/v1/service_instances", json("name", name, "service_plan_id",
                stage.plan("small")));
        assertThat(again.status()).as(again.body()).isEqualTo(201);
    }
}
