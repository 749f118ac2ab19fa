package org.servicemanager.storage.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.servicemanager.api.model.Notification;
import org.servicemanager.api.model.NotificationType;
import org.servicemanager.api.store.NotificationLog;
import org.servicemanager.storage.jdbc.Dialect;
import org.servicemanager.storage.jdbc.JdbcStoreException;

/**
 * The notification log of a {@code JdbcStore}, in the tables of schema V4: {@code sm_notifications},
 * the one-row counter {@code sm_notification_revision} and {@code sm_proxy_connections}.
 *
 * <p>An append takes its revision by updating the counter row in the appending transaction. The
 * row lock that update holds until commit or rollback admits one appender at a time, on every node:
 * the next appender gets its revision only after the previous one's commit is visible, so revisions
 * become visible in their order and a reader polling {@link #after} with the last revision it saw
 * misses none. Before that, an append bumps the change revision row, which every registry write
 * takes first: all transactions then lock the two counters in one order, and a caller may append
 * before or after its registry writes without risking a deadlock. (Notifications accompany registry
 * changes, so the extra bump costs nothing a cache would not rebuild anyway.)
 *
 * <p>Creation times are kept to the microsecond, like every time the store holds. Thread-safe.
 */
public final class JdbcNotificationLog implements NotificationLog {
    /** An arbitrary constant that names "notification retention" among PostgreSQL advisory locks. */
    private static final long RETENTION_LOCK = 0x534d5f4e4f544946L;
    /** Bind parameters per {@code IN} list, well below every driver's limit. */
    private static final int IN_CHUNK = 500;
    private static final String COLUMNS = "revision, id, resource, type, platform_id, payload, correlation_id, created_at";

    private final Database database;

    public JdbcNotificationLog(Database database) {
        this.database = Objects.requireNonNull(database, "database");
    }

    @Override
    public Notification append(Notification notification) {
        Objects.requireNonNull(notification, "notification");
        Instant createdAt = notification.createdAt().truncatedTo(ChronoUnit.MICROS);
        Notification given = new Notification(notification.id(), notification.resource(), notification.type(),
                notification.platformId(), 0, notification.payload(), notification.correlationId(), createdAt);
        return database.write(connection -> {
            Database.bumpChangeRevision(connection);
            long revision;
            try (Statement statement = connection.createStatement()) {
                statement.executeUpdate("UPDATE sm_notification_revision SET revision = revision + 1 WHERE id = 1");
                revision = single(statement, "SELECT revision FROM sm_notification_revision WHERE id = 1");
            }
            Notification stored = given.withRevision(revision);
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO sm_notifications (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                insert.setLong(1, revision);
                insert.setString(2, stored.id());
                insert.setString(3, stored.resource());
                insert.setString(4, stored.type().name());
                insert.setString(5, stored.platformId());
                insert.setString(6, stored.payload());
                insert.setString(7, stored.correlationId());
                Kind.bindValue(insert, 8, createdAt);
                insert.executeUpdate();
            }
            return stored;
        }, e -> new JdbcStoreException("cannot append a notification", e));
    }

    @Override
    public List<Notification> after(long revision, String platformId, int limit) {
        requireNotNegative("limit", limit);
        if (limit == 0) {
            return List.of();
        }
        return database.read(connection -> {
            try (PreparedStatement query = connection.prepareStatement("SELECT " + COLUMNS
                    + " FROM sm_notifications WHERE revision > ?" + platformFilter(platformId)
                    + " ORDER BY revision LIMIT ?")) {
                int index = bindAfter(query, revision, platformId);
                query.setInt(index, limit);
                List<Notification> found = new ArrayList<>();
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        found.add(new Notification(rs.getString(2), rs.getString(3),
                                NotificationType.valueOf(rs.getString(4)), rs.getString(5), rs.getLong(1),
                                rs.getString(6), rs.getString(7), rs.getObject(8, OffsetDateTime.class).toInstant()));
                    }
                }
                return found;
            }
        }, e -> new JdbcStoreException("cannot read notifications", e));
    }

    @Override
    public long countAfter(long revision, String platformId, long cap) {
        requireNotNegative("cap", cap);
        if (cap == 0) {
            return 0;
        }
        return database.read(connection -> {
            // The limit inside lets the database stop at the cap instead of counting a long backlog.
            try (PreparedStatement query = connection.prepareStatement("SELECT COUNT(*) FROM (SELECT revision"
                    + " FROM sm_notifications WHERE revision > ?" + platformFilter(platformId)
                    + " ORDER BY revision LIMIT ?) capped")) {
                int index = bindAfter(query, revision, platformId);
                query.setLong(index, cap);
                try (ResultSet rs = query.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        }, e -> new JdbcStoreException("cannot count notifications", e));
    }

    private static String platformFilter(String platformId) {
        return platformId == null ? "" : " AND (platform_id = ? OR platform_id IS NULL)";
    }

    /** Binds the revision and platform of {@link #platformFilter}; returns the next parameter index. */
    private static int bindAfter(PreparedStatement query, long revision, String platformId) throws SQLException {
        query.setLong(1, revision);
        if (platformId == null) {
            return 2;
        }
        query.setString(2, platformId);
        return 3;
    }

    /** The committed counter (or this transaction's own appends): never lowered by a removal. */
    @Override
    public long newestRevision() {
        return counter("revision");
    }

    /** Kept in the counter row, so that it survives a restart. */
    @Override
    public long removedThrough() {
        return counter("removed_through");
    }

    private long counter(String column) {
        return database.read(connection -> {
            try (Statement statement = connection.createStatement()) {
                return single(statement, "SELECT " + column + " FROM sm_notification_revision WHERE id = 1");
            }
        }, e -> new JdbcStoreException("cannot read the notification revision", e));
    }

    /**
     * On PostgreSQL one node at a time removes: a node that does not get the advisory lock at once
     * returns zero, as another node is doing the work. On H2 (one node) the counter row serialises
     * removals. Only committed notifications are seen, and an uncommitted append always has a
     * revision above every committed one, so {@code removed_through} never passes one still to come.
     */
    @Override
    public int removeCreatedBefore(Instant cutoff, int limit) {
        Objects.requireNonNull(cutoff, "cutoff");
        requireNotNegative("limit", limit);
        if (limit == 0) {
            return 0;
        }
        return database.write(connection -> {
            try (Statement statement = connection.createStatement()) {
                if (database.dialect() == Dialect.POSTGRESQL) {
                    try (ResultSet rs = statement.executeQuery("SELECT pg_try_advisory_xact_lock(" + RETENTION_LOCK + ")")) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            return 0;
                        }
                    }
                } else {
                    statement.executeUpdate("UPDATE sm_notification_revision SET removed_through = removed_through"
                            + " WHERE id = 1");
                }
            }
            long through;
            try (PreparedStatement query = connection.prepareStatement("SELECT MAX(revision) FROM (SELECT revision"
                    + " FROM sm_notifications WHERE created_at < ? ORDER BY revision LIMIT ?) doomed")) {
                Kind.bindValue(query, 1, cutoff);
                query.setInt(2, limit);
                try (ResultSet rs = query.executeQuery()) {
                    rs.next();
                    through = rs.getLong(1);
                    if (rs.wasNull()) {
                        return 0;
                    }
                }
            }
            int removed;
            // Exactly the rows selected above: no other node removes meanwhile, and a notification
            // committed since has a revision above them.
            try (PreparedStatement delete = connection.prepareStatement(
                    "DELETE FROM sm_notifications WHERE revision <= ? AND created_at < ?")) {
                delete.setLong(1, through);
                Kind.bindValue(delete, 2, cutoff);
                removed = delete.executeUpdate();
            }
            try (PreparedStatement update = connection.prepareStatement("UPDATE sm_notification_revision"
                    + " SET removed_through = CASE WHEN removed_through < ? THEN ? ELSE removed_through END WHERE id = 1")) {
                update.setLong(1, through);
                update.setLong(2, through);
                update.executeUpdate();
            }
            return removed;
        }, e -> new JdbcStoreException("cannot remove old notifications", e));
    }

    @Override
    public void recordConnections(String platformId, String nodeId, int openConnections, Instant now) {
        Objects.requireNonNull(platformId, "platformId");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(now, "now");
        requireNotNegative("openConnections", openConnections);
        String upsert = database.dialect() == Dialect.POSTGRESQL
                ? "INSERT INTO sm_proxy_connections (platform_id, node_id, open_connections, recorded_at)"
                        + " VALUES (?, ?, ?, ?) ON CONFLICT (platform_id, node_id) DO UPDATE SET"
                        + " open_connections = EXCLUDED.open_connections, recorded_at = EXCLUDED.recorded_at"
                : "MERGE INTO sm_proxy_connections (platform_id, node_id, open_connections, recorded_at)"
                        + " KEY (platform_id, node_id) VALUES (?, ?, ?, ?)";
        database.write(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(upsert)) {
                statement.setString(1, platformId);
                statement.setString(2, nodeId);
                statement.setInt(3, openConnections);
                Kind.bindValue(statement, 4, now);
                statement.executeUpdate();
            }
            return null;
        }, e -> new JdbcStoreException("cannot record proxy connections", e));
    }

    @Override
    public Map<String, PlatformActivity> activity(Collection<String> platformIds, Instant freshAfter) {
        Objects.requireNonNull(platformIds, "platformIds");
        Objects.requireNonNull(freshAfter, "freshAfter");
        List<String> ids = new ArrayList<>(new LinkedHashSet<>(platformIds));
        if (ids.isEmpty()) {
            return Map.of();
        }
        return database.read(connection -> {
            Map<String, PlatformActivity> found = new LinkedHashMap<>();
            for (int from = 0; from < ids.size(); from += IN_CHUNK) {
                List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IN_CHUNK));
                String placeholders = String.join(", ", Collections.nCopies(chunk.size(), "?"));
                try (PreparedStatement query = connection.prepareStatement("SELECT platform_id, MAX(recorded_at),"
                        + " MAX(CASE WHEN open_connections > 0 AND recorded_at > ? THEN 1 ELSE 0 END)"
                        + " FROM sm_proxy_connections WHERE platform_id IN (" + placeholders + ") GROUP BY platform_id")) {
                    Kind.bindValue(query, 1, freshAfter);
                    for (int i = 0; i < chunk.size(); i++) {
                        query.setString(i + 2, chunk.get(i));
                    }
                    try (ResultSet rs = query.executeQuery()) {
                        while (rs.next()) {
                            found.put(rs.getString(1), new PlatformActivity(rs.getInt(3) == 1,
                                    rs.getObject(2, OffsetDateTime.class).toInstant()));
                        }
                    }
                }
            }
            Map<String, PlatformActivity> ordered = new LinkedHashMap<>();
            ids.forEach(id -> {
                if (found.containsKey(id)) {
                    ordered.put(id, found.get(id));
                }
            });
            return ordered;
        }, e -> new JdbcStoreException("cannot read proxy activity", e));
    }

    private static long single(Statement statement, String sql) throws SQLException {
        try (ResultSet rs = statement.executeQuery(sql)) {
            if (!rs.next()) {
                throw new IllegalStateException("the row of sm_notification_revision is missing: was the schema"
                        + " migrated to V4?");
            }
            return rs.getLong(1);
        }
    }

    private static void requireNotNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value);
        }
    }
}
