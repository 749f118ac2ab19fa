package org.servicemanager.storage.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;

/** Work on a connection that the {@link Database} has bound to a transaction. */
@FunctionalInterface
interface SqlWork<R> {
    R run(Connection connection) throws SQLException;
}
