package org.servicemanager.storage.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Notification;
import org.servicemanager.api.model.NotificationType;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.test.store.Fixtures;

/** The embedded deployment: an H2 file database keeps the registry and notifications across a restart of the store. */
class H2FileStoreTest {

    @Test
    @DisplayName("what a store wrote to an H2 file is there for the next store on that file")
    void survivesRestart(@TempDir Path directory) {
        Fixtures fixtures = new Fixtures();
        Platform created;
        try (JdbcStore first = JdbcStore.builder(file(directory)).build()) {
            created = first.repository(EntityTypes.PLATFORMS)
                    .create(Fixtures.withLabels(fixtures.platform("cf"), Labels.of("env", "prod")));
        }

        try (JdbcStore second = JdbcStore.builder(file(directory)).build()) {
            assertThat(second.repository(EntityTypes.PLATFORMS).get(created.id())).contains(created);
        }
    }

    @Test
    @DisplayName("notifications, the newest revision and what retention removed are there for the next store on the file")
    void notificationsSurviveRestart(@TempDir Path directory) {
        Fixtures fixtures = new Fixtures();
        Notification kept;
        Notification removed;
        try (JdbcStore first = JdbcStore.builder(file(directory)).build()) {
            removed = first.notifications().append(notification(fixtures, null));
            kept = first.notifications().append(notification(fixtures, "p1"));
            assertThat(first.notifications().removeCreatedBefore(kept.createdAt(), 10)).isEqualTo(1);
        }

        try (JdbcStore second = JdbcStore.builder(file(directory)).build()) {
            assertThat(second.notifications().after(0, null, 10)).containsExactly(kept);
            assertThat(second.notifications().newestRevision()).isEqualTo(kept.revision());
            assertThat(second.notifications().removedThrough()).isEqualTo(removed.revision());
        }
    }

    private static Notification notification(Fixtures fixtures, String platformId) {
        return new Notification(Fixtures.newId(), "/v1/visibilities", NotificationType.DELETED, platformId, 0,
                "{\"old\":{\"resource\":{\"id\":\"v1\"}}}", null, fixtures.tick());
    }

    /** A data source on a file database that closes with its last connection, as after a restart. */
    private static JdbcDataSource file(Path directory) {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:file:" + directory.resolve("registry").toAbsolutePath());
        dataSource.setUser("sa");
        return dataSource;
    }
}
