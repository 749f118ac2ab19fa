package org.servicemanager.storage.jdbc.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.servicemanager.api.query.FieldType;

/** The value kinds a column holds, and how each is bound to a statement. Immutable. */
enum Kind {
    STRING(Types.VARCHAR),
    BOOLEAN(Types.BOOLEAN),
    /** Integers; bound and read as {@code long}, as {@link FieldType#INTEGER} values are. */
    LONG(Types.BIGINT),
    TIMESTAMP(Types.TIMESTAMP_WITH_TIMEZONE),
    /** A list of strings, kept as a JSON array in a text column. */
    STRING_LIST(Types.VARCHAR);

    private final int sqlType;

    Kind(int sqlType) {
        this.sqlType = sqlType;
    }

    static Kind of(FieldType type) {
        switch (type) {
            case STRING:
                return STRING;
            case BOOLEAN:
                return BOOLEAN;
            case INTEGER:
                return LONG;
            case DATETIME:
                return TIMESTAMP;
            default:
                throw new IllegalArgumentException("no column kind for " + type);
        }
    }

    /** Binds {@code value}; a {@code null} gets this kind's SQL type, which PostgreSQL insists on. */
    void bind(PreparedStatement statement, int index, Object value) throws SQLException {
        if (value == null) {
            statement.setNull(index, sqlType);
            return;
        }
        switch (this) {
            case STRING_LIST:
                @SuppressWarnings("unchecked")
                List<String> list = (List<String>) value;
                statement.setString(index, JsonStrings.encode(list));
                break;
            default:
                bindValue(statement, index, value);
        }
    }

    /** Binds a non-null value by its Java type. */
    static void bindValue(PreparedStatement statement, int index, Object value) throws SQLException {
        if (value instanceof String s) {
            statement.setString(index, s);
        } else if (value instanceof Boolean b) {
            statement.setBoolean(index, b);
        } else if (value instanceof Long l) {
            statement.setLong(index, l);
        } else if (value instanceof Integer i) {
            statement.setLong(index, i);
        } else if (value instanceof Instant instant) {
            // Both databases keep microseconds; truncating here (PostgreSQL would round) keeps
            // every comparison consistent with what is stored.
            statement.setObject(index, OffsetDateTime.ofInstant(instant.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC));
        } else {
            throw new IllegalArgumentException("cannot bind a " + value.getClass().getName());
        }
    }
}
