package org.servicemanager.storage.jdbc.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.FieldDef;

/**
 * How one entity type lies in its table: a typed column for every {@link FieldDef} (named like the
 * field, so queries address fields directly), then one for every other record component, plus
 * {@code version}; the labels live in {@code <table>_labels}. Immutable and thread-safe.
 */
final class TableMapping<T extends Entity> {
    private final EntityType<T> type;
    private final List<Column<T>> columns;
    private final Reader<T> reader;
    private final String columnList;

    private TableMapping(EntityType<T> type, List<Column<T>> columns, Reader<T> reader) {
        this.type = type;
        this.columns = List.copyOf(columns);
        this.reader = reader;
        List<String> names = new ArrayList<>();
        columns.forEach(c -> names.add(c.name()));
        names.add("version");
        this.columnList = String.join(", ", names);
    }

    EntityType<T> type() {
        return type;
    }

    String table() {
        return type.name();
    }

    String labelsTable() {
        return type.name() + "_labels";
    }

    /** Every stored column but {@code version}, in insert order. */
    List<Column<T>> columns() {
        return columns;
    }

    /** The columns a row is read from, {@code version} included, comma-separated. */
    String columnList() {
        return columnList;
    }

    T read(Row row, Labels labels) {
        return reader.read(row, labels);
    }

    static <T extends Entity> Builder<T> of(EntityType<T> type) {
        return new Builder<>(type);
    }

    /** One stored column: its name, kind and how to get its value from an entity. Immutable. */
    record Column<T>(String name, Kind kind, Function<T, Object> getter) {
    }

    /** Builds an entity from its row and labels. */
    @FunctionalInterface
    interface Reader<T> {
        T read(Row row, Labels labels);
    }

    /** Collects the extra columns; the field columns come from the type. Not thread-safe. */
    static final class Builder<T extends Entity> {
        private final EntityType<T> type;
        private final List<Column<T>> columns = new ArrayList<>();

        private Builder(EntityType<T> type) {
            this.type = type;
            for (FieldDef<T> field : type.fields().values()) {
                columns.add(new Column<>(field.name(), Kind.of(field.type()), field::get));
            }
        }

        Builder<T> column(String name, Kind kind, Function<T, Object> getter) {
            columns.add(new Column<>(name, kind, Objects.requireNonNull(getter)));
            return this;
        }

        TableMapping<T> read(Reader<T> reader) {
            return new TableMapping<>(type, columns, reader);
        }
    }
}
