package org.servicemanager.brokerproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.proxy.BrokerRegistration;
import org.servicemanager.proxy.PlanAccess;
import org.servicemanager.proxy.PlatformBroker;
import org.servicemanager.proxy.memory.InMemoryPlatform;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeBroker;

/** The one-line summary of the in-memory platform, against a fake broker serving the catalogs. */
@DisplayName("SummarizingPlatform")
class SummarizingPlatformTest {
    private final FakeBroker broker = FakeBroker.start().withBasicAuth("user", "s3cret-pass");
    private final InMemoryPlatform memory = new InMemoryPlatform("organization_guid");
    private final SummarizingPlatform platform = new SummarizingPlatform(memory);

    @AfterEach
    void stopBroker() {
        broker.close();
    }

    private PlatformBroker register(String name) {
        return platform.createBroker(new BrokerRegistration(name, broker.url(), "user", "s3cret-pass"));
    }

    @Test
    @DisplayName("an empty platform reads 'no brokers'")
    void empty() {
        assertThat(SummarizingPlatform.summary(memory)).isEqualTo("no brokers");
    }

    @Test
    @DisplayName("lists each broker with its plans and who may use each, organizations included, never a password")
    void brokersAndAccess() {
        PlatformBroker registered = register("sm-demo");
        platform.setAccess(registered.id(), "small-id", PlanAccess.scoped(Set.of("org-2", "org-1")));

        String summary = SummarizingPlatform.summary(memory);

        assertThat(summary).isEqualTo("1 broker: sm-demo [small: scopes [org-1, org-2], large: none]");
        assertThat(summary).doesNotContain("s3cret-pass");
    }

    @Test
    @DisplayName("shows at most ten brokers and ten plans each, then how many more")
    void cutShort() {
        Catalogs.Offering offering = Catalogs.offering("big");
        for (int i = 1; i <= 12; i++) {
            offering.plan(Catalogs.plan("p" + i));
        }
        broker.catalog(Catalogs.of(offering));
        for (int i = 1; i <= 11; i++) {
            register("b" + i);
        }

        String summary = SummarizingPlatform.summary(memory);

        assertThat(summary).startsWith("11 brokers: b1 [p1: none,").endsWith(", ... 1 more");
        assertThat(summary).contains("p10: none, ... 2 more]").doesNotContain("b11", "p11");
    }

    @Test
    @DisplayName("the decorator passes every change through to the in-memory platform")
    void passesThrough() {
        PlatformBroker registered = register("sm-demo");
        platform.setAccess(registered.id(), "large-id", PlanAccess.everyone());
        platform.updateBroker(registered.id(), new BrokerRegistration("sm-renamed", broker.url(), "user", "s3cret-pass"));

        assertThat(platform.brokers()).extracting(PlatformBroker::name).containsExactly("sm-renamed");
        assertThat(platform.plans(registered.id())).hasSize(2);
        assertThat(memory.access("sm-renamed", "large-id")).contains(PlanAccess.everyone());
        assertThat(platform.scopeLabelKey()).isEqualTo("organization_guid");

        platform.deleteBroker(registered.id());
        assertThat(memory.brokers()).isEmpty();
    }
}
