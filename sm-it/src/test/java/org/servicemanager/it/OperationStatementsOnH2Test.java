package org.servicemanager.it;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Store;
import org.servicemanager.storage.jdbc.JdbcStore;

/**
 * What one asynchronous provision costs the store: counted SQL statements, held to a budget so
 * that a regression shows (the target is under 20 per operation on PostgreSQL).
 */
@DisplayName("operations engine: statements per operation (H2)")
class OperationStatementsOnH2Test extends EngineTestBase {
    /** The budget for one async provision that succeeds on the third poll, start included. */
    static final int BUDGET = 20;
    /** Savepoint commands on top (PostgreSQL counts them as statements). */
    static final int SAVEPOINT_BUDGET = 8;

    private CountingDataSource counting;

    @Override
    Store newStore() {
        counting = new CountingDataSource(database());
        return JdbcStore.builder(counting).build();
    }

    /** The database counted: a fresh in-memory H2 one. */
    DataSource database() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:sm-it-count-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        h2.setUser("sa");
        return h2;
    }

    @Test
    @DisplayName("an async provision that succeeds on the third poll stays within the statement budget")
    void asyncProvisionBudget() {
        ServiceInstance instance = newInstance(small);
        String path = instancePath(instance.id());
        stub(put(urlPathEqualTo(path)).willReturn(json(202, "{\"operation\":\"p\"}")));
        stub(get(urlPathEqualTo(path + "/last_operation")).inScenario("polls").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(json(200, "{\"state\":\"in progress\"}")).willSetStateTo("second"));
        stub(get(urlPathEqualTo(path + "/last_operation")).inScenario("polls").whenScenarioStateIs("second")
                .willReturn(json(200, "{\"state\":\"in progress\"}")).willSetStateTo("third"));
        stub(get(urlPathEqualTo(path + "/last_operation")).inScenario("polls").whenScenarioStateIs("third")
                .willReturn(json(200, "{\"state\":\"succeeded\"}")));
        // As the REST API calls it: with the plan and offering it read to check the request.
        ServicePlan plan = store.repository(EntityTypes.SERVICE_PLANS).get(small).orElseThrow();
        ServiceOffering offering = store.repository(EntityTypes.SERVICE_OFFERINGS).get(plan.serviceOfferingId())
                .orElseThrow();
        counting.record();
        long before = counting.statements();
        long savepointsBefore = counting.savepoints();

        settled(engine.provision(instance, plan, offering, null, CALLER).settled());
        long start = counting.statements() - before;
        for (int poll = 0; poll < 3; poll++) {
            clock.advance(POLL);
            sm.runDueOperations();
        }
        long total = counting.statements() - before;
        long savepoints = counting.savepoints() - savepointsBefore;

        assertThat(instance(instance.id()).orElseThrow().lastOperation().state()).isEqualTo(OperationState.SUCCEEDED);
        System.out.println(getClass().getSimpleName() + " statements: start " + start + ", total " + total
                + ", savepoint commands " + savepoints);
        assertThat(total).as("start %d, total %d: %s", start, total, counting.recorded()).isLessThan(BUDGET);
        // Every write inside a transaction runs under a savepoint (set and release): two transactions of two writes.
        assertThat(savepoints).isLessThanOrEqualTo(SAVEPOINT_BUDGET);
    }
}
