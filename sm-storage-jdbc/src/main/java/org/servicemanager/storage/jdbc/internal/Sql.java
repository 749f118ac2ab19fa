package org.servicemanager.storage.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A SQL text with its bind parameters in order. Values only ever travel as parameters, never inside
 * the text: the text is assembled from identifiers of the mappings and fixed keywords. Not
 * thread-safe.
 */
final class Sql {
    private final StringBuilder text = new StringBuilder();
    private final List<Object> params = new ArrayList<>();

    Sql() {
    }

    Sql(String text) {
        this.text.append(text);
    }

    Sql append(String sql) {
        text.append(sql);
        return this;
    }

    Sql append(Sql other) {
        text.append(other.text);
        params.addAll(other.params);
        return this;
    }

    /** Appends one placeholder for a non-null {@code value}. */
    Sql param(Object value) {
        text.append('?');
        params.add(value);
        return this;
    }

    /** Appends {@code (?, ?, ...)} for the values. */
    Sql params(List<?> values) {
        text.append('(');
        for (int i = 0; i < values.size(); i++) {
            text.append(i == 0 ? "?" : ", ?");
            params.add(values.get(i));
        }
        text.append(')');
        return this;
    }

    boolean isEmpty() {
        return text.length() == 0;
    }

    PreparedStatement prepare(Connection connection) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(text.toString());
        try {
            for (int i = 0; i < params.size(); i++) {
                Kind.bindValue(statement, i + 1, params.get(i));
            }
            return statement;
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
