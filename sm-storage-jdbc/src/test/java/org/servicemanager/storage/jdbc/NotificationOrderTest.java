package org.servicemanager.storage.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Notification;
import org.servicemanager.api.model.NotificationType;
import org.servicemanager.test.store.Fixtures;

/**
 * The JDBC notification log's ordering across transactions and nodes: an appender waits for the
 * commit of an earlier appending transaction before it gets its revision, so no reader, on any node,
 * sees a later revision while an earlier one may still commit. Two stores on one database stand for
 * two nodes. (No class-level {@code @DisplayName}: Surefire would then drop the nested groups from
 * its XML report.)
 */
class NotificationOrderTest {
    private static final long DEADLINE_MILLIS = 10_000;

    private final H2Databases h2 = new H2Databases();
    private final PostgresDatabases postgres = new PostgresDatabases();
    private final List<JdbcStore> stores = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void closeAll() throws InterruptedException {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        stores.forEach(JdbcStore::close);
        h2.dropAll();
        postgres.dropAll();
    }

    @Nested
    @DisplayName("On PostgreSQL")
    class OnPostgres {
        @Test
        @DisplayName("while a transaction holds revision r open, another node's append waits and readers see neither")
        void laterAppendWaitsForEarlierCommit() throws Exception {
            assertLaterAppendWaits(postgres.fresh(),
                    "SELECT COUNT(*) FROM pg_locks WHERE NOT granted");
        }
    }

    @Nested
    @DisplayName("On H2")
    class OnH2 {
        @Test
        @DisplayName("while a transaction holds revision r open, another store's append waits and readers see neither")
        void laterAppendWaitsForEarlierCommit() throws Exception {
            assertLaterAppendWaits(h2.fresh(),
                    "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE BLOCKER_ID IS NOT NULL");
        }
    }

    /**
     * Node A appends in a transaction it keeps open; node B appends meanwhile. Once B is seen
     * waiting for a lock, neither revision may be visible; after A commits, B's append completes
     * with the greater revision, and a reader sees both in that order.
     */
    private void assertLaterAppendWaits(DataSource dataSource, String countWaiters) throws Exception {
        JdbcStore nodeA = store(dataSource);
        JdbcStore nodeB = store(dataSource);
        JdbcStore reader = store(dataSource);
        CountDownLatch appended = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);

        Future<Notification> first = threads.submit(() -> nodeA.inTransaction(tx -> {
            Notification stored = tx.notifications().append(notification("first"));
            appended.countDown();
            await(release);
            return stored;
        }));
        assertThat(appended.await(DEADLINE_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
        Future<Notification> second = threads.submit(() -> nodeB.notifications().append(notification("second")));
        awaitWaiter(dataSource, countWaiters);

        assertThat(second).isNotDone();
        assertThat(reader.notifications().after(0, null, 10)).isEmpty();
        assertThat(reader.notifications().newestRevision()).isZero();

        release.countDown();
        Notification earlier = first.get(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        Notification later = second.get(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);

        assertThat(later.revision()).isGreaterThan(earlier.revision());
        assertThat(reader.notifications().after(0, null, 10)).containsExactly(earlier, later);
        assertThat(reader.notifications().newestRevision()).isEqualTo(later.revision());
    }

    private JdbcStore store(DataSource dataSource) {
        JdbcStore store = JdbcStore.builder(dataSource).build();
        stores.add(store);
        return store;
    }

    private static Notification notification(String correlationId) {
        return new Notification(Fixtures.newId(), "/v1/service_brokers", NotificationType.CREATED, null, 0, "{}",
                correlationId, Instant.parse("2026-11-29T08:00:00Z"));
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(DEADLINE_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("not released in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Polls until the database reports a session waiting for a lock. */
    private static void awaitWaiter(DataSource dataSource, String countWaiters) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            while (true) {
                try (ResultSet rs = statement.executeQuery(countWaiters)) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no session started waiting for a lock within " + DEADLINE_MILLIS + " ms");
                }
                Thread.sleep(10);
            }
        }
    }
}
