package org.servicemanager.api.query;

import java.time.Instant;
import java.util.Objects;

/** A position in the list order (creation time, then id): a page starts strictly after it. */
public record Cursor(Instant createdAt, String id) {
    public Cursor {
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(id, "id");
    }
}
