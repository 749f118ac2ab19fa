package org.servicemanager.core.internal.revision;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.Repository;
import org.servicemanager.api.store.Store;

class RevisionTest {
    private long nanos = 1_000;
    private final CountingStore clustered = new CountingStore(true);

    private void advanceMillis(long millis) {
        nanos += TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    @DisplayName("a local bump changes the revision at once")
    void localBump() {
        Revision revision = new Revision(clustered, () -> nanos);
        long before = revision.current();

        revision.bump();

        assertThat(revision.current()).isGreaterThan(before);
    }

    @Test
    @DisplayName("on a clustered store, another node's change shows once 250 ms have passed, not before")
    void otherNodesChange() {
        Revision revision = new Revision(clustered, () -> nanos);
        long before = revision.current();

        clustered.revision++;
        advanceMillis(249);
        long withinInterval = revision.current();
        advanceMillis(1);
        long after = revision.current();

        assertThat(withinInterval).isEqualTo(before);
        assertThat(after).isGreaterThan(before);
        assertThat(clustered.reads).isEqualTo(2);
    }

    @Test
    @DisplayName("local and store changes together never give a value seen before")
    void neverRepeats() {
        Revision revision = new Revision(clustered, () -> nanos);
        long first = revision.current();
        revision.bump();
        long second = revision.current();
        clustered.revision += 3;
        advanceMillis(300);

        assertThat(revision.current()).isGreaterThan(second).isGreaterThan(first);
    }

    @Test
    @DisplayName("a store that is not clustered is never asked")
    void notClustered() {
        CountingStore single = new CountingStore(false);
        Revision revision = new Revision(single, () -> nanos);

        revision.current();
        advanceMillis(1_000);
        revision.current();

        assertThat(single.reads).isZero();
    }

    /** Only the capability and the revision matter here. */
    /** A store that only counts and answers its change revision; shared with RevisionCacheTest. */
    static final class CountingStore implements Store {
        @Override
        public org.servicemanager.api.store.NotificationLog notifications() {
            throw new UnsupportedOperationException("not used here");
        }

        private final boolean isClustered;
        long revision;
        int reads;

        CountingStore(boolean isClustered) {
            this.isClustered = isClustered;
        }

        @Override
        public <T extends Entity> Repository<T> repository(EntityType<T> type) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <R> R inTransaction(Function<Store, R> work) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long changeRevision() {
            reads++;
            return revision;
        }

        @Override
        public boolean isClustered() {
            return isClustered;
        }

        @Override
        public void close() {
        }
    }
}
