package org.servicemanager.it;

import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.servicemanager.storage.jdbc.JdbcStore;

/** JDBC stores on fresh in-memory H2 databases, for the tests that run on the JDBC store too. */
final class H2 {
    private H2() {
    }

    /**
     * A store on a new in-memory database. The database lives as long as the JVM (an in-memory H2
     * database is small); closing the store does not drop it.
     */
    static JdbcStore freshStore() {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:sm-it-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        dataSource.setUser("sa");
        return JdbcStore.builder(dataSource).build();
    }
}
