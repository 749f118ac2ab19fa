package org.servicemanager.api.store;

import java.util.Objects;
import java.util.function.Function;
import org.servicemanager.api.query.FieldType;

/**
 * A field of an entity type that queries and constraints can address.
 *
 * @param name     the API name (snake_case), also the column name of the JDBC store
 * @param type     the value type
 * @param getter   reads the value (of {@code type.javaType()}, or {@code null}) from an entity
 * @param exposed  whether clients may use it in a {@code fieldQuery}; internal fields (such as a
 *                 platform's credential user name) are only for the core's own lookups
 */
public record FieldDef<T>(String name, FieldType type, Function<T, Object> getter, boolean exposed) {
    public FieldDef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(getter, "getter");
    }

    public Object get(T entity) {
        return getter.apply(entity);
    }
}
