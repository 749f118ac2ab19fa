package org.servicemanager.storage.jdbc;

import java.sql.SQLException;

/**
 * The database failed in a way no named exception of the Service Manager describes: it is down, a
 * connection broke, a statement timed out. Callers treat it as an internal error; its message is
 * for logs, not for clients. Immutable once thrown.
 */
public final class JdbcStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JdbcStoreException(String message, SQLException cause) {
        super(message + ": " + cause.getMessage() + " (SQLState " + cause.getSQLState() + ")", cause);
    }

    /** The SQLState of the underlying failure, or {@code null}. */
    public String sqlState() {
        return ((SQLException) getCause()).getSQLState();
    }
}
