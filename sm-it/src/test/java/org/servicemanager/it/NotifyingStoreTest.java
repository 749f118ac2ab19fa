package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.UniqueViolationException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Notification;
import org.servicemanager.api.model.NotificationType;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.model.SigningKey;
import org.servicemanager.api.model.Visibility;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.internal.notify.Correlation;
import org.servicemanager.core.internal.notify.NotifyingStore;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.store.Fixtures;

/**
 * The store view that writes notifications, on a real store: what a transaction's outcome does to
 * its notifications. Subclasses run the same on other stores.
 */
@DisplayName("NotifyingStore on the memory store")
class NotifyingStoreTest {
    static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    final Fixtures fixtures = new Fixtures();
    Store raw;
    Store store;

    /** The store under the view; closed after each test. */
    Store newStore() {
        return new MemoryStore();
    }

    @BeforeEach
    void open() {
        raw = newStore();
        store = new NotifyingStore(raw, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void close() {
        raw.close();
    }

    List<Notification> all() {
        return raw.notifications().after(0, null, 1000);
    }

    /** A broker with one offering and one plan, written in one transaction. */
    ServicePlan brokerWithPlan() {
        return store.inTransaction(tx -> {
            ServiceBroker broker = tx.repository(EntityTypes.SERVICE_BROKERS).create(fixtures.broker());
            ServiceOffering offering = tx.repository(EntityTypes.SERVICE_OFFERINGS)
                    .create(fixtures.offering(broker.id()));
            return tx.repository(EntityTypes.SERVICE_PLANS).create(fixtures.plan(offering.id()));
        });
    }

    @Test
    @DisplayName("a transaction that throws after its writes leaves no notification")
    void rolledBack() {
        assertThatThrownBy(() -> store.inTransaction(tx -> {
            tx.repository(EntityTypes.SERVICE_BROKERS).create(fixtures.broker());
            throw new IllegalStateException("boom");
        })).hasMessage("boom");

        assertThat(all()).isEmpty();
        assertThat(raw.repository(EntityTypes.SERVICE_BROKERS).count(Query.all()))
                .isZero();
    }

    @Test
    @DisplayName("a broker written with its catalog in one transaction gives one CREATED that holds the catalog")
    void oneTransactionOneNotification() {
        ServicePlan plan = brokerWithPlan();

        List<Notification> all = all();
        assertThat(all).hasSize(1);
        assertThat(all.get(0).type()).isEqualTo(NotificationType.CREATED);
        assertThat(all.get(0).payload()).contains(plan.id());
    }

    @Test
    @DisplayName("a write outside a transaction is notified with the clock's time and no correlation id")
    void outsideTransaction() {
        ServicePlan plan = brokerWithPlan();

        Visibility created = store.repository(EntityTypes.VISIBILITIES).create(fixtures.visibility(null, plan.id()));

        Notification last = all().get(all().size() - 1);
        assertThat(last.resource()).isEqualTo("/v1/visibilities");
        assertThat(last.payload()).contains(created.id());
        assertThat(last.createdAt()).isEqualTo(NOW);
        assertThat(last.correlationId()).isNull();
    }

    @Test
    @DisplayName("a write in a correlation scope carries its id")
    void correlated() {
        ServicePlan plan = brokerWithPlan();

        Correlation.with("corr-1", () -> store.repository(EntityTypes.VISIBILITIES)
                .create(fixtures.visibility(null, plan.id())));

        assertThat(all().get(all().size() - 1).correlationId()).isEqualTo("corr-1");
    }

    @Test
    @DisplayName("a write that fails does not notify, and the failure reaches the caller unchanged")
    void failedWrite() {
        ServicePlan plan = brokerWithPlan();
        Visibility visibility = store.repository(EntityTypes.VISIBILITIES).create(fixtures.visibility(null, plan.id()));
        int before = all().size();

        assertThatThrownBy(() -> store.repository(EntityTypes.VISIBILITIES)
                .create(fixtures.visibility(null, plan.id())))
                .isInstanceOf(UniqueViolationException.class);

        assertThat(all()).hasSize(before);
        assertThat(raw.repository(EntityTypes.VISIBILITIES).get(visibility.id())).isPresent();
    }

    @Test
    @DisplayName("a visibility created and relabelled in one transaction gives one CREATED with its final labels")
    void collapsed() {
        ServicePlan plan = brokerWithPlan();
        int before = all().size();

        store.inTransaction(tx -> {
            Visibility v = tx.repository(EntityTypes.VISIBILITIES).create(fixtures.visibility(null, plan.id()));
            return tx.repository(EntityTypes.VISIBILITIES).update(Fixtures.withLabels(v, Labels.of("org", "o1")));
        });

        List<Notification> added = all().subList(before, all().size());
        assertThat(added).hasSize(1);
        assertThat(added.get(0).type()).isEqualTo(NotificationType.CREATED);
        assertThat(added.get(0).payload()).contains("\"org\":[\"o1\"]");
    }

    @Test
    @DisplayName("a visibility created and deleted in one transaction gives no notification")
    void createdAndDeleted() {
        ServicePlan plan = brokerWithPlan();
        int before = all().size();

        store.inTransaction(tx -> {
            Visibility v = tx.repository(EntityTypes.VISIBILITIES).create(fixtures.visibility(null, plan.id()));
            return tx.repository(EntityTypes.VISIBILITIES).delete(v.id());
        });

        assertThat(all()).hasSize(before);
    }

    @Test
    @DisplayName("a plan deleted directly takes its visibility: DELETED for it, then the broker's MODIFIED")
    void planDeleted() {
        ServicePlan plan = brokerWithPlan();
        Visibility visibility = store.repository(EntityTypes.VISIBILITIES).create(fixtures.visibility(null, plan.id()));
        int before = all().size();

        store.repository(EntityTypes.SERVICE_PLANS).delete(plan.id());

        List<Notification> added = all().subList(before, all().size());
        assertThat(added).extracting(Notification::resource, Notification::type).containsExactly(
                tuple("/v1/visibilities", NotificationType.DELETED),
                tuple("/v1/service_brokers", NotificationType.MODIFIED));
        assertThat(added.get(0).payload()).contains(visibility.id());
    }

    @Test
    @DisplayName("a nested transaction that throws, caught by the outer work, leaves no notification of its writes")
    void nestedUndone() {
        ServiceBroker kept = fixtures.broker();
        ServiceBroker undone = fixtures.broker();

        store.inTransaction(tx -> {
            tx.repository(EntityTypes.SERVICE_BROKERS).create(kept);
            try {
                tx.inTransaction(inner -> {
                    inner.repository(EntityTypes.SERVICE_BROKERS).create(undone);
                    throw new IllegalStateException("undo");
                });
            } catch (IllegalStateException expected) {
                // the outer work goes on
            }
            return null;
        });

        assertThat(all()).hasSize(1);
        assertThat(all().get(0).payload()).contains(kept.id()).doesNotContain(undone.id());
    }

    @Test
    @DisplayName("a write that fails inside a transaction that goes on makes no notification")
    void failedWriteInTransaction() {
        ServicePlan plan = brokerWithPlan();
        Visibility existing = store.repository(EntityTypes.VISIBILITIES)
                .create(fixtures.visibility(null, plan.id()));
        int before = all().size();

        store.inTransaction(tx -> {
            try {
                tx.repository(EntityTypes.VISIBILITIES).create(fixtures.visibility(null, plan.id()));
            } catch (UniqueViolationException expected) {
                // the transaction goes on without it
            }
            return tx.repository(EntityTypes.PLATFORMS).create(fixtures.platform());
        });

        assertThat(all()).hasSize(before);
        assertThat(raw.repository(EntityTypes.VISIBILITIES).get(existing.id())).isPresent();
    }

    @Test
    @DisplayName("writes of the token issuer's signing keys, in a transaction or not, give no notification")
    void signingKeysNotNotified() {
        SigningKey key = store.repository(EntityTypes.SIGNING_KEYS).create(fixtures.signingKey());
        store.inTransaction(tx -> tx.repository(EntityTypes.SIGNING_KEYS)
                .update(key.retired(key.createdAt().plusSeconds(1))));
        store.inTransaction(tx -> tx.repository(EntityTypes.SIGNING_KEYS).create(fixtures.signingKey()));
        store.repository(EntityTypes.SIGNING_KEYS).delete(key.id());

        assertThat(all()).isEmpty();
        assertThat(raw.repository(EntityTypes.SIGNING_KEYS).count(Query.all())).isEqualTo(1);
    }
}
