package org.servicemanager.api;

import java.util.List;

/**
 * A store refused an entity because another one already holds the same value of a unique key
 * (HTTP 409). Carries the key's field names so callers can translate it into a more specific
 * error.
 */
public class UniqueViolationException extends ConflictException {
    private static final long serialVersionUID = 1L;
    private final String entityType;
    private final List<String> fields;

    public UniqueViolationException(String entityType, List<String> fields, String message) {
        super(message);
        this.entityType = entityType;
        this.fields = List.copyOf(fields);
    }

    /** The resource type name, e.g. {@code platforms}. */
    public String entityType() {
        return entityType;
    }

    /** The fields of the violated unique key, e.g. {@code [name]}. */
    public List<String> fields() {
        return fields;
    }
}
