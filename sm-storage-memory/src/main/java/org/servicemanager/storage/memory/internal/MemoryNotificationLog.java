package org.servicemanager.storage.memory.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.servicemanager.api.model.Notification;
import org.servicemanager.api.store.NotificationLog;

/**
 * The notification log of a {@link MemoryDatabase}: notifications in revision order and the
 * connection counts the nodes recorded, guarded by the database's lock and undone by its undo log
 * like every other write.
 *
 * <p>Revisions become visible in their order for free: a transaction holds the store-wide write
 * lock until it ends, so no reader sees anything of it before it commits, and no other writer can
 * append in between. The revision counter is never turned back, even by a rollback, so an undone
 * append leaves a gap rather than a revision that a later append reuses. Thread-safe.
 */
public final class MemoryNotificationLog implements NotificationLog {
    private final MemoryDatabase database;
    /** Guarded by the lock; by revision. */
    private final TreeMap<Long, Notification> notifications = new TreeMap<>();
    /** Guarded by the lock: platform id to node id to what the node recorded. */
    private final Map<String, Map<String, Connections>> connections = new HashMap<>();
    /** Guarded by the write lock: the last revision handed out, committed or not; never decreases. */
    private long assigned;
    /** Guarded by the lock: the greatest revision appended by a write that has not been undone. */
    private long newest;
    /** Guarded by the lock. */
    private long removedThrough;

    public MemoryNotificationLog(MemoryDatabase database) {
        this.database = Objects.requireNonNull(database, "database");
    }

    @Override
    public Notification append(Notification notification) {
        Objects.requireNonNull(notification, "notification");
        return database.write(() -> {
            Notification stored = notification.withRevision(++assigned);
            long previousNewest = newest;
            notifications.put(stored.revision(), stored);
            newest = stored.revision();
            database.logUndo(() -> {
                notifications.remove(stored.revision());
                newest = previousNewest;
            });
            return stored;
        });
    }

    @Override
    public List<Notification> after(long revision, String platformId, int limit) {
        requireNotNegative("limit", limit);
        return database.read(() -> {
            List<Notification> found = new ArrayList<>(Math.min(limit, notifications.size()));
            Iterator<Notification> candidates = notifications.tailMap(revision, false).values().iterator();
            while (found.size() < limit && candidates.hasNext()) {
                Notification candidate = candidates.next();
                if (concerns(candidate, platformId)) {
                    found.add(candidate);
                }
            }
            return found;
        });
    }

    @Override
    public long countAfter(long revision, String platformId, long cap) {
        requireNotNegative("cap", cap);
        return database.read(() -> {
            long count = 0;
            Iterator<Notification> candidates = notifications.tailMap(revision, false).values().iterator();
            while (count < cap && candidates.hasNext()) {
                if (concerns(candidates.next(), platformId)) {
                    count++;
                }
            }
            return count;
        });
    }

    private static boolean concerns(Notification notification, String platformId) {
        return platformId == null || notification.platformId() == null
                || notification.platformId().equals(platformId);
    }

    @Override
    public long newestRevision() {
        return database.read(() -> newest);
    }

    @Override
    public long removedThrough() {
        return database.read(() -> removedThrough);
    }

    @Override
    public int removeCreatedBefore(Instant cutoff, int limit) {
        Objects.requireNonNull(cutoff, "cutoff");
        requireNotNegative("limit", limit);
        return database.write(() -> {
            List<Notification> doomed = new ArrayList<>();
            for (Notification notification : notifications.values()) {
                if (doomed.size() == limit) {
                    break;
                }
                if (notification.createdAt().isBefore(cutoff)) {
                    doomed.add(notification);
                }
            }
            if (doomed.isEmpty()) {
                return 0;
            }
            long previousRemovedThrough = removedThrough;
            doomed.forEach(notification -> notifications.remove(notification.revision()));
            removedThrough = Math.max(removedThrough, doomed.get(doomed.size() - 1).revision());
            database.logUndo(() -> {
                doomed.forEach(notification -> notifications.put(notification.revision(), notification));
                removedThrough = previousRemovedThrough;
            });
            return doomed.size();
        });
    }

    @Override
    public void recordConnections(String platformId, String nodeId, int openConnections, Instant now) {
        Objects.requireNonNull(platformId, "platformId");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(now, "now");
        requireNotNegative("openConnections", openConnections);
        database.write(() -> {
            Map<String, Connections> nodes = connections.computeIfAbsent(platformId, p -> new LinkedHashMap<>());
            Connections previous = nodes.put(nodeId, new Connections(openConnections, now));
            database.logUndo(() -> {
                if (previous == null) {
                    nodes.remove(nodeId);
                    if (nodes.isEmpty()) {
                        connections.remove(platformId);
                    }
                } else {
                    nodes.put(nodeId, previous);
                }
            });
            return null;
        });
    }

    @Override
    public Map<String, PlatformActivity> activity(Collection<String> platformIds, Instant freshAfter) {
        Objects.requireNonNull(platformIds, "platformIds");
        Objects.requireNonNull(freshAfter, "freshAfter");
        return database.read(() -> {
            Map<String, PlatformActivity> activity = new LinkedHashMap<>();
            for (String platformId : platformIds) {
                Map<String, Connections> nodes = connections.get(platformId);
                if (nodes == null || nodes.isEmpty()) {
                    continue;
                }
                boolean active = false;
                Instant lastActive = null;
                for (Connections recorded : nodes.values()) {
                    active |= recorded.open() > 0 && recorded.at().isAfter(freshAfter);
                    if (lastActive == null || recorded.at().isAfter(lastActive)) {
                        lastActive = recorded.at();
                    }
                }
                activity.put(platformId, new PlatformActivity(active, lastActive));
            }
            return activity;
        });
    }

    private static void requireNotNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value);
        }
    }

    private record Connections(int open, Instant at) {
    }
}
