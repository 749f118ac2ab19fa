package org.servicemanager.api.store;

import java.util.List;

/**
 * A set of fields whose combined values are unique among all entities of a type. A {@code null}
 * counts as a value of its own: two visibilities without a platform for the same plan collide.
 */
public record UniqueKey(List<String> fields) {
    public UniqueKey {
        fields = List.copyOf(fields);
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("a unique key needs at least one field");
        }
    }

    public static UniqueKey of(String... fields) {
        return new UniqueKey(List.of(fields));
    }
}
