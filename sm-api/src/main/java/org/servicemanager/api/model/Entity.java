package org.servicemanager.api.model;

import java.time.Instant;

/**
 * What every stored resource has. Implementations are immutable records.
 *
 * <p>{@code version} is the optimistic-locking counter: a store accepts an update only when the
 * entity's version equals the stored one, and then stores it with the version incremented.
 */
public interface Entity {
    String id();

    Labels labels();

    Instant createdAt();

    Instant updatedAt();

    boolean ready();

    long version();
}
