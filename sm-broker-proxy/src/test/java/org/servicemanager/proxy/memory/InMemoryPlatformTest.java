package org.servicemanager.proxy.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.proxy.BrokerRegistration;
import org.servicemanager.proxy.PlanAccess;
import org.servicemanager.proxy.PlatformBroker;
import org.servicemanager.proxy.PlatformException;
import org.servicemanager.proxy.PlatformPlan;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.broker.RecordedRequest;

@DisplayName("InMemoryPlatform")
class InMemoryPlatformTest {
    private final FakeBroker broker = FakeBroker.start().withBasicAuth("user", "pass");
    private final InMemoryPlatform platform = new InMemoryPlatform("organization_guid");

    @AfterEach
    void tearDown() {
        broker.close();
    }

    private BrokerRegistration registration(String name) {
        return new BrokerRegistration(name, broker.url(), "user", "pass");
    }

    @Test
    @DisplayName("fetches the catalog with Basic auth and X-Broker-API-Version 2.17 on registration; plans start closed")
    void fetchesCatalog() {
        PlatformBroker registered = platform.createBroker(registration("b"));

        RecordedRequest fetch = broker.requests(FakeBroker.CATALOG_PATH).get(0);
        assertThat(fetch.header("X-Broker-API-Version")).contains("2.17");
        assertThat(fetch.header("Authorization")).isPresent();
        assertThat(platform.plans(registered.id())).extracting(PlatformPlan::catalogPlanId, PlatformPlan::access)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("small-id", PlanAccess.none()),
                        org.assertj.core.groups.Tuple.tuple("large-id", PlanAccess.none()));
    }

    @Test
    @DisplayName("refetches the catalog on update, keeping the access of plans that stay and dropping vanished ones")
    void updateRefreshes() {
        PlatformBroker registered = platform.createBroker(registration("b"));
        platform.setAccess(registered.id(), "small-id", PlanAccess.scoped(Set.of("org-1")));
        broker.catalog(Catalogs.of(Catalogs.offering("svc").plan(Catalogs.plan("small")).plan(Catalogs.plan("xl"))));

        platform.updateBroker(registered.id(), registration("renamed"));

        assertThat(platform.broker("renamed")).isPresent();
        assertThat(platform.plansOf("renamed")).containsOnlyKeys("small-id", "xl-id");
        assertThat(platform.access("renamed", "small-id")).contains(PlanAccess.scoped(Set.of("org-1")));
        assertThat(platform.access("renamed", "xl-id")).contains(PlanAccess.none());
    }

    @Test
    @DisplayName("refuses a registration whose catalog cannot be fetched, or whose name is taken")
    void refuses() {
        platform.createBroker(registration("b"));

        assertThatThrownBy(() -> platform.createBroker(registration("b"))).isInstanceOf(PlatformException.class)
                .hasMessageContaining("b");
        assertThatThrownBy(() -> platform.createBroker(new BrokerRegistration("c", broker.url(), "user", "wrong")))
                .isInstanceOf(PlatformException.class).hasMessageContaining("401");
        assertThat(platform.brokers()).hasSize(1);
    }

    @Test
    @DisplayName("counts only real changes: setting the access a plan has changes nothing")
    void countsChanges() {
        PlatformBroker registered = platform.createBroker(registration("b"));
        platform.setAccess(registered.id(), "small-id", PlanAccess.everyone());
        long changes = platform.changes();

        platform.setAccess(registered.id(), "small-id", PlanAccess.everyone());
        platform.deleteBroker("no-such-id");

        assertThat(platform.changes()).isEqualTo(changes);
    }

    @Test
    @DisplayName("without a scope label key refuses scoped access")
    void noScopes() {
        InMemoryPlatform unscoped = new InMemoryPlatform();
        PlatformBroker registered = unscoped.createBroker(registration("b"));

        assertThat(unscoped.scopeLabelKey()).isNull();
        assertThatThrownBy(() -> unscoped.setAccess(registered.id(), "small-id", PlanAccess.scoped(Set.of("o"))))
                .isInstanceOf(PlatformException.class);
    }
}
