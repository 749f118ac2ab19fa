package org.servicemanager.it;

import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.servicemanager.storage.jdbc.PostgresDatabases;

/** The restart test on PostgreSQL (embedded, or the one {@code SM_TEST_POSTGRES_URL} names). */
@DisplayName("instance sharing across a restart (PostgreSQL)")
class InstanceSharingRestartOnPostgresTest extends InstanceSharingRestartOnH2Test {
    private static final PostgresDatabases DATABASES = new PostgresDatabases();

    @Override
    DataSource database() {
        return DATABASES.fresh();
    }

    /** The Service Manager first, then its schema. */
    @Override
    @AfterEach
    void close() {
        super.close();
        DATABASES.dropAll();
    }
}
