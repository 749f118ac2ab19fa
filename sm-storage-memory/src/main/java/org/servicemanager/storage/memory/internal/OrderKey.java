package org.servicemanager.storage.memory.internal;

import java.time.Instant;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.query.Cursor;

/** An entity's position in the list order: creation time, then id. Immutable. */
record OrderKey(Instant createdAt, String id) implements Comparable<OrderKey> {

    static OrderKey of(Entity entity) {
        return new OrderKey(entity.createdAt(), entity.id());
    }

    static OrderKey of(Cursor cursor) {
        return new OrderKey(cursor.createdAt(), cursor.id());
    }

    @Override
    public int compareTo(OrderKey other) {
        int byTime = createdAt.compareTo(other.createdAt);
        return byTime != 0 ? byTime : id.compareTo(other.id);
    }
}
