package org.servicemanager.it;

import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.servicemanager.storage.jdbc.PostgresDatabases;

/** The statement budget on PostgreSQL (embedded, or the one {@code SM_TEST_POSTGRES_URL} names). */
@DisplayName("operations engine: statements per operation (PostgreSQL)")
class OperationStatementsOnPostgresTest extends OperationStatementsOnH2Test {
    /** Static: the store is made while the base class is constructed, before this class's fields are set. */
    private static final PostgresDatabases DATABASES = new PostgresDatabases();

    @Override
    DataSource database() {
        return DATABASES.fresh();
    }

    @AfterEach
    void dropSchemas() {
        DATABASES.dropAll();
    }
}
