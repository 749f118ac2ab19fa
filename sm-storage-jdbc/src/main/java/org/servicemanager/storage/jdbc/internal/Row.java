package org.servicemanager.storage.jdbc.internal;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The values of one row, copied out of the result set so that the entity can be built later, once
 * its labels (read by a second query for the whole page) are known. Not thread-safe.
 */
final class Row {
    private final Map<String, Object> values;

    private Row(Map<String, Object> values) {
        this.values = values;
    }

    /** Copies the current row's {@code columns} and {@code version}. */
    static Row copy(ResultSet resultSet, List<? extends TableMapping.Column<?>> columns) throws SQLException {
        Map<String, Object> values = new HashMap<>();
        for (TableMapping.Column<?> column : columns) {
            Object value;
            switch (column.kind()) {
                case BOOLEAN:
                    boolean b = resultSet.getBoolean(column.name());
                    value = resultSet.wasNull() ? null : b;
                    break;
                case LONG:
                    long l = resultSet.getLong(column.name());
                    value = resultSet.wasNull() ? null : l;
                    break;
                case TIMESTAMP:
                    OffsetDateTime time = resultSet.getObject(column.name(), OffsetDateTime.class);
                    value = time == null ? null : time.toInstant();
                    break;
                default:
                    value = resultSet.getString(column.name());
            }
            values.put(column.name(), value);
        }
        values.put("version", resultSet.getLong("version"));
        return new Row(values);
    }

    String id() {
        return string("id");
    }

    String string(String column) {
        return (String) values.get(column);
    }

    boolean bool(String column) {
        return (Boolean) values.get(column);
    }

    Boolean boolOrNull(String column) {
        return (Boolean) values.get(column);
    }

    long longValue(String column) {
        return (Long) values.get(column);
    }

    Integer intOrNull(String column) {
        Long value = (Long) values.get(column);
        return value == null ? null : Math.toIntExact(value);
    }

    Instant instant(String column) {
        return (Instant) values.get(column);
    }

    List<String> strings(String column) {
        String json = string(column);
        return json == null ? List.of() : JsonStrings.decode(json);
    }

    <E extends Enum<E>> E enumOrNull(Class<E> type, String column) {
        String name = string(column);
        return name == null ? null : Enum.valueOf(type, name);
    }
}
