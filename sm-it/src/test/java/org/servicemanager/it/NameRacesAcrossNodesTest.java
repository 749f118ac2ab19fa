package org.servicemanager.it;

import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
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
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;

/**
 * Name uniqueness across several Service Manager nodes sharing one JDBC store (H2): each node
 * checks only what the store shows, so concurrent creates on different nodes must still end with
 * one record and one broker call.
 */
@DisplayName("concurrent creates with one name on several nodes sharing a JDBC store (H2)")
class NameRacesAcrossNodesTest extends EngineTestBase {
    private static final int CLIENTS = 6;

    @Override
    Store newStore() {
        return H2.freshStore();
    }

    @Test
    @DisplayName("POSTs of one instance name spread over three nodes: one 201, the others 409, one provision at the broker")
    void instancesOnSeveralNodes() throws Exception {
        stub(put(urlPathMatching("/v2/service_instances/[^/]+")).willReturn(json(201, "{}")));
        assertThat(sm.handle(SmRequest.builder("POST", "/v1/visibilities").jsonBody("{\"service_plan_id\":\"" + small
                + "\"}").build()).status()).isEqualTo(201);
        List<ServiceManager> cluster = List.of(sm, node(), node());
        String body = "{\"name\":\"shared-name\",\"service_plan_id\":\"" + small + "\"}";
        CyclicBarrier start = new CyclicBarrier(CLIENTS);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Integer> statuses = new ArrayList<>();
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                ServiceManager node = cluster.get(i % cluster.size());
                Callable<Integer> post = () -> {
                    start.await(10, TimeUnit.SECONDS);
                    return node.handle(SmRequest.builder("POST", "/v1/service_instances").jsonBody(body).build())
                            .status();
                };
                futures.add(pool.submit(post));
            }
            for (Future<Integer> future : futures) {
                statuses.add(future.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(statuses).containsOnly(201, 409).filteredOn(s -> s == 201).hasSize(1);
        assertThat(store.repository(EntityTypes.SERVICE_INSTANCES).count(Query.fieldEquals("name", "shared-name")))
                .isEqualTo(1);
        broker.verify(1, putRequestedFor(urlPathMatching("/v2/service_instances/[^/]+")));
        assertThat(operationCount()).isEqualTo(1);
    }
}
