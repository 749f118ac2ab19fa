package org.servicemanager.api.query;

/**
 * The type of a queryable field, and so the Java type of its values in criteria:
 * {@code String}, {@code Boolean}, {@code Long} or {@code java.time.Instant}.
 */
public enum FieldType {
    STRING(String.class),
    BOOLEAN(Boolean.class),
    INTEGER(Long.class),
    DATETIME(java.time.Instant.class);

    private final Class<?> javaType;

    FieldType(Class<?> javaType) {
        this.javaType = javaType;
    }

    public Class<?> javaType() {
        return javaType;
    }

    /** Whether values of this type have an order ({@code gt}, {@code lt}, {@code ge}, {@code le}). */
    public boolean isOrdered() {
        return this == INTEGER || this == DATETIME;
    }
}
