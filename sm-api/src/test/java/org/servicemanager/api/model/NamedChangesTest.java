package org.servicemanager.api.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Named changes of instance and binding records")
class NamedChangesTest {
    private static final Instant CREATED = Instant.parse("2030-01-01T00:00:00Z");
    private static final Instant LATER = CREATED.plusSeconds(60);

    private static ServiceInstance instance() {
        return new ServiceInstance("i1", "name", "plan-1", "platform-1", "{\"a\":1}", "https://dash", null, true,
                LastOperation.inProgress(OperationType.CREATE, null), null, null, Labels.empty(), CREATED, CREATED,
                false, 3);
    }

    @Test
    @DisplayName("withOperation changes the operation and updatedAt only")
    void withOperation() {
        ServiceInstance changed = instance().withOperation(LastOperation.succeeded(OperationType.CREATE), LATER);

        assertThat(changed.lastOperation()).isEqualTo(LastOperation.succeeded(OperationType.CREATE));
        assertThat(changed.updatedAt()).isEqualTo(LATER);
        assertThat(changed.withOperation(instance().lastOperation(), CREATED)).isEqualTo(instance());
    }

    @Test
    @DisplayName("an update's pending plan and context become the instance's own when applied, and are cleared")
    void pendingApplied() {
        ServiceInstance applied = instance().withPending("plan-2", "{\"b\":2}").withPendingApplied();

        assertThat(applied.servicePlanId()).isEqualTo("plan-2");
        assertThat(applied.context()).isEqualTo("{\"b\":2}");
        assertThat(applied.pendingPlanId()).isNull();
        assertThat(applied.pendingContext()).isNull();
    }

    @Test
    @DisplayName("a pending update without a new context keeps the context when applied")
    void pendingWithoutContext() {
        ServiceInstance applied = instance().withPending("plan-2", null).withPendingApplied();

        assertThat(applied.context()).isEqualTo("{\"a\":1}");
    }

    @Test
    @DisplayName("a null dashboard URL (the broker sent none) keeps the current one")
    void dashboardUrlKept() {
        assertThat(instance().withDashboardUrl(null).dashboardUrl()).isEqualTo("https://dash");
        assertThat(instance().withDashboardUrl("https://new").dashboardUrl()).isEqualTo("https://new");
    }

    @Test
    @DisplayName("asReady makes instance and binding ready and keeps everything else, the version included")
    void asReady() {
        ServiceInstance ready = instance().asReady();
        ServiceBinding binding = new ServiceBinding("b1", null, "i1", "platform-1", null, null, null,
                LastOperation.inProgress(OperationType.CREATE, null), Labels.empty(), CREATED, CREATED, false, 2);

        assertThat(ready.ready()).isTrue();
        assertThat(ready.version()).isEqualTo(3);
        assertThat(ready.updatedAt()).isEqualTo(CREATED);
        assertThat(binding.asReady().ready()).isTrue();
        assertThat(binding.asReady().version()).isEqualTo(2);
    }
}
