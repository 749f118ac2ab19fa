package org.servicemanager.api.store;

import java.util.Objects;

/**
 * A foreign key: the field {@code field} of the owning type holds the id of an entity of
 * {@code target} (or {@code null}, which refers to nothing). Creating or updating an entity whose
 * non-null reference points nowhere fails with {@link org.servicemanager.api.ReferenceViolationException}.
 *
 * @param onDelete what deleting the target does to the entities that refer to it
 */
public record Reference(String field, String target, OnDelete onDelete) {
    public Reference {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(onDelete, "onDelete");
    }

    /** The delete rule of a reference. */
    public enum OnDelete {
        /** The referring entities are deleted with the target (and their own dependents with them). */
        CASCADE,
        /** The target cannot be deleted while referring entities exist. */
        RESTRICT
    }
}
