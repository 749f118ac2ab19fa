package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.UniqueViolationException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.PlatformCredentials;
import org.servicemanager.api.model.SigningKey;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.internal.revision.Revision;
import org.servicemanager.core.internal.revision.RevisionedStore;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.store.Fixtures;

/** The store view through which every registry write moves the revision, on a real memory store. */
@DisplayName("RevisionedStore")
class RevisionedStoreTest {
    private final MemoryStore memory = new MemoryStore();
    private final Revision revision = new Revision(memory);
    private final Store store = new RevisionedStore(memory, revision);
    private final AtomicLong ids = new AtomicLong();

    @AfterEach
    void close() {
        memory.close();
    }

    private Platform platform(String name) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return new Platform("p-" + ids.incrementAndGet(), name, "cloudfoundry", null,
                new PlatformCredentials("user-" + name, "hash"), null, Labels.empty(), now, now, true, 0);
    }

    @Test
    @DisplayName("moves the revision with each registry write, once it has returned")
    void eachWrite() {
        long start = revision.current();

        Platform created = store.repository(EntityTypes.PLATFORMS).create(platform("a"));
        long afterCreate = revision.current();
        Platform updated = store.repository(EntityTypes.PLATFORMS).update(created);
        long afterUpdate = revision.current();
        store.repository(EntityTypes.PLATFORMS).delete(updated.id());
        long afterDelete = revision.current();
        store.repository(EntityTypes.PLATFORMS).deleteAll(Query.all());

        assertThat(afterCreate).isGreaterThan(start);
        assertThat(afterUpdate).isGreaterThan(afterCreate);
        assertThat(afterDelete).isGreaterThan(afterUpdate);
        assertThat(revision.current()).isGreaterThan(afterDelete);
    }

    @Test
    @DisplayName("leaves the revision alone for reads")
    void reads() {
        store.repository(EntityTypes.PLATFORMS).create(platform("a"));
        long before = revision.current();

        store.repository(EntityTypes.PLATFORMS).list(Query.all(), PageRequest.first(10));
        store.repository(EntityTypes.PLATFORMS).get("p-1");
        store.repository(EntityTypes.PLATFORMS).count(Query.all());

        assertThat(revision.current()).isEqualTo(before);
    }

    @Test
    @DisplayName("moves the revision after a transaction's commit, not while its writes are invisible")
    void afterCommit() {
        long before = revision.current();

        long inside = store.inTransaction(tx -> {
            tx.repository(EntityTypes.PLATFORMS).create(platform("a"));
            tx.repository(EntityTypes.PLATFORMS).create(platform("b"));
            return revision.current();
        });

        assertThat(inside).isEqualTo(before);
        assertThat(revision.current()).isEqualTo(before + 1);
        assertThat(memory.repository(EntityTypes.PLATFORMS).count(Query.all())).isEqualTo(2);
    }

    @Test
    @DisplayName("moves the revision once for nested transactions, when the outermost ends")
    void nested() {
        long before = revision.current();

        long inside = store.inTransaction(tx -> tx.inTransaction(inner -> {
            inner.repository(EntityTypes.PLATFORMS).create(platform("a"));
            return revision.current();
        }));

        assertThat(inside).isEqualTo(before);
        assertThat(revision.current()).isEqualTo(before + 1);
    }

    @Test
    @DisplayName("moves the revision for a write that failed, as it may have committed")
    void failedWrite() {
        store.repository(EntityTypes.PLATFORMS).create(platform("a"));
        long before = revision.current();

        assertThatThrownBy(() -> store.repository(EntityTypes.PLATFORMS).create(platform("a")))
                .isInstanceOf(UniqueViolationException.class);

        assertThat(revision.current()).isGreaterThan(before);
    }

    @Test
    @DisplayName("leaves the revision alone for a transaction that only read")
    void readOnlyTransaction() {
        long before = revision.current();

        store.inTransaction(tx -> tx.repository(EntityTypes.PLATFORMS).count(Query.all()));

        assertThat(revision.current()).isEqualTo(before);
    }

    @Test
    @DisplayName("leaves the revision alone for writes of service instances and bindings")
    void instancesAndBindings() {
        long before = revision.current();

        store.repository(EntityTypes.SERVICE_INSTANCES).delete("none");
        store.repository(EntityTypes.SERVICE_BINDINGS).deleteAll(Query.all());
        store.inTransaction(tx -> tx.repository(EntityTypes.SERVICE_INSTANCES).deleteAll(Query.all()));

        assertThat(revision.current()).isEqualTo(before);
    }

    @Test
    @DisplayName("leaves the revision alone for writes of the token issuer's signing keys")
    void signingKeys() {
        Fixtures fixtures = new Fixtures();
        long before = revision.current();

        SigningKey key = store.repository(EntityTypes.SIGNING_KEYS).create(fixtures.signingKey());
        store.inTransaction(tx -> tx.repository(EntityTypes.SIGNING_KEYS)
                .update(key.retired(key.createdAt().plusSeconds(1))));
        store.repository(EntityTypes.SIGNING_KEYS).delete(key.id());

        assertThat(revision.current()).isEqualTo(before);
    }
}
