package org.servicemanager.storage.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** Fresh in-memory H2 databases for tests, dropped when the test is done. Not thread-safe. */
final class H2Databases {
    private final List<DataSource> created = new ArrayList<>();

    /** A new, empty database that lives until {@link #dropAll()}, not only while a connection is open. */
    DataSource fresh() {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:sm-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        dataSource.setUser("sa");
        created.add(dataSource);
        return dataSource;
    }

    void dropAll() {
        for (DataSource dataSource : created) {
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("SHUTDOWN");
            } catch (SQLException e) {
                throw new IllegalStateException("cannot drop a test database", e);
            }
        }
        created.clear();
    }
}
