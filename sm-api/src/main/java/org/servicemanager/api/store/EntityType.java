package org.servicemanager.api.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.query.FieldType;

/**
 * Describes one resource type to the stores: its name, queryable fields, unique keys and
 * references. Immutable and thread-safe; the instances are the constants of {@link EntityTypes}.
 */
public final class EntityType<T extends Entity> {
    private final String name;
    private final String singular;
    private final Class<T> javaType;
    private final Map<String, FieldDef<T>> fields;
    private final List<UniqueKey> uniqueKeys;
    private final List<Reference> references;
    private final BiFunction<T, Long, T> withVersion;

    private EntityType(Builder<T> b) {
        this.name = b.name;
        this.singular = b.singular;
        this.javaType = b.javaType;
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(b.fields));
        this.uniqueKeys = List.copyOf(b.uniqueKeys);
        this.references = List.copyOf(b.references);
        this.withVersion = b.withVersion;
    }

    /** The plural resource name used in URLs and tokens, e.g. {@code service_plans}. */
    public String name() {
        return name;
    }

    /** A human name for messages, e.g. {@code service plan}. */
    public String singular() {
        return singular;
    }

    public Class<T> javaType() {
        return javaType;
    }

    /** Every field, in declaration order, including the common ones (id, created_at, ...). */
    public Map<String, FieldDef<T>> fields() {
        return fields;
    }

    public Optional<FieldDef<T>> field(String fieldName) {
        return Optional.ofNullable(fields.get(fieldName));
    }

    public List<UniqueKey> uniqueKeys() {
        return uniqueKeys;
    }

    public List<Reference> references() {
        return references;
    }

    /** A copy of {@code entity} with another optimistic-locking version; stores use it on update. */
    public T withVersion(T entity, long version) {
        return withVersion.apply(entity, version);
    }

    @Override
    public String toString() {
        return name;
    }

    /**
     * Starts describing a type. Public so that stores can exercise reference rules (such as
     * {@link Reference.OnDelete#RESTRICT}) with types of their own tests; the Service Manager's types
     * are the constants of {@link EntityTypes}.
     */
    public static <T extends Entity> Builder<T> builder(String name, String singular, Class<T> javaType,
            BiFunction<T, Long, T> withVersion) {
        return new Builder<>(name, singular, javaType, withVersion);
    }

    /** Collects a type's description; the common fields come first. Not thread-safe. */
    public static final class Builder<T extends Entity> {
        private final String name;
        private final String singular;
        private final Class<T> javaType;
        private final BiFunction<T, Long, T> withVersion;
        private final Map<String, FieldDef<T>> fields = new LinkedHashMap<>();
        private final List<UniqueKey> uniqueKeys = new ArrayList<>();
        private final List<Reference> references = new ArrayList<>();

        private Builder(String name, String singular, Class<T> javaType, BiFunction<T, Long, T> withVersion) {
            this.name = Objects.requireNonNull(name);
            this.singular = Objects.requireNonNull(singular);
            this.javaType = Objects.requireNonNull(javaType);
            this.withVersion = Objects.requireNonNull(withVersion);
            field("id", FieldType.STRING, Entity::id);
            field("created_at", FieldType.DATETIME, Entity::createdAt);
            field("updated_at", FieldType.DATETIME, Entity::updatedAt);
            field("ready", FieldType.BOOLEAN, Entity::ready);
        }

        public Builder<T> field(String fieldName, FieldType type, Function<? super T, ?> getter) {
            return add(fieldName, type, getter, true);
        }

        public Builder<T> internalField(String fieldName, FieldType type, Function<? super T, ?> getter) {
            return add(fieldName, type, getter, false);
        }

        private Builder<T> add(String fieldName, FieldType type, Function<? super T, ?> getter, boolean exposed) {
            if (fields.containsKey(fieldName)) {
                throw new IllegalStateException("field " + fieldName + " declared twice on " + name);
            }
            fields.put(fieldName, new FieldDef<T>(fieldName, type, e -> {
                Object value = getter.apply(e);
                if (value instanceof Integer i) {
                    return i.longValue();
                }
                if (value instanceof Instant || value == null || type.javaType().isInstance(value)) {
                    return value;
                }
                throw new IllegalStateException(fieldName + " is not of type " + type);
            }, exposed));
            return this;
        }

        public Builder<T> unique(String... keyFields) {
            uniqueKeys.add(UniqueKey.of(keyFields));
            return this;
        }

        public Builder<T> reference(String fieldName, String target, Reference.OnDelete onDelete) {
            references.add(new Reference(fieldName, target, onDelete));
            return this;
        }

        public EntityType<T> build() {
            for (UniqueKey key : uniqueKeys) {
                key.fields().forEach(f -> require(f, "unique key"));
            }
            references.forEach(r -> require(r.field(), "reference"));
            return new EntityType<>(this);
        }

        private void require(String fieldName, String what) {
            if (!fields.containsKey(fieldName)) {
                throw new IllegalStateException(what + " names unknown field " + fieldName + " of " + name);
            }
        }
    }
}
