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

    /**
     * The earliest instant an entity may hold. PostgreSQL keeps timestamps from 4713 BC on (H2 from
     * further back); a margin below this bound stays representable, see {@link #comparable}.
     */
    static final Instant EARLIEST = Instant.parse("-4000-01-01T00:00:00Z");
    /**
     * The first instant an entity may no longer hold. PostgreSQL keeps timestamps up to the year
     * 294276 (H2 beyond); this bound itself is representable, see {@link #comparable}.
     */
    static final Instant END = Instant.parse("+200000-01-01T00:00:00Z");
    /** Stands for every instant before {@link #EARLIEST} in comparisons: no stored value is at or before it. */
    private static final Instant BEFORE_EARLIEST = EARLIEST.minus(1, ChronoUnit.MICROS);

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
            case TIMESTAMP:
                Instant instant = (Instant) value;
                if (instant.isBefore(EARLIEST) || !instant.isBefore(END)) {
                    // A write, not a comparison: refuse what the database could not keep (or, on H2,
                    // what would break the exactness of comparisons clamped to the bounds).
                    throw new IllegalArgumentException("a time must be from " + EARLIEST + " and before " + END
                            + ", was " + instant);
                }
                bindValue(statement, index, instant);
                break;
            case STRING_LIST:
                @SuppressWarnings("unchecked")
                List<String> list = (List<String>) value;
                statement.setString(index, JsonStrings.encode(list));
                break;
            default:
                bindValue(statement, index, value);
        }
    }

    /**
     * An instant to compare stored times with, inside the range the database can represent. Any
     * instant is a valid bound of a query or a page (a cursor from a client, say, may lie in the year
     * 300000), but a database refuses those it cannot hold. Stored times are within [{@link
     * #EARLIEST}, {@link #END}), so a bound beyond them compares with every stored time exactly as
     * the representable bound just beyond them does.
     */
    static Instant comparable(Instant instant) {
        if (instant.isBefore(EARLIEST)) {
            return BEFORE_EARLIEST;
        }
        return instant.isBefore(END) ? instant : END;
    }

    /** Binds a non-null value by its Java type; an instant as a bound to compare with. */
    static void bindValue(PreparedStatement statement, int index, Object value) throws SQLException {
        if (value instanceof Instant instant) {
            value = comparable(instant);
        }
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
