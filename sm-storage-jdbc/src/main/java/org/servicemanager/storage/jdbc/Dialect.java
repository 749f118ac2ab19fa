package org.servicemanager.storage.jdbc;

import java.util.Locale;
import java.util.Optional;

/**
 * The databases the JDBC store speaks to. Each has its own schema scripts and the few statements
 * that differ (locking for migrations, unique keys over nullable columns). Immutable.
 */
public enum Dialect {
    /** PostgreSQL 12 or later: production, several nodes may share one database. */
    POSTGRESQL("postgresql", true),
    /** H2 2.x: embedded, one node; in memory or in a file. */
    H2("h2", false);

    private final String directory;
    private final boolean clustered;

    Dialect(String directory, boolean clustered) {
        this.directory = directory;
        this.clustered = clustered;
    }

    /** The resource folder of this dialect's schema scripts, under {@code org/servicemanager/storage/jdbc/}. */
    public String directory() {
        return directory;
    }

    /** Whether several Service Manager nodes can share one database of this kind. */
    public boolean isClustered() {
        return clustered;
    }

    /**
     * The dialect of a database by its JDBC product name ({@code DatabaseMetaData#getDatabaseProductName}).
     */
    public static Optional<Dialect> fromProductName(String productName) {
        if (productName == null) {
            return Optional.empty();
        }
        String name = productName.toLowerCase(Locale.ROOT);
        if (name.contains("postgresql")) {
            return Optional.of(POSTGRESQL);
        }
        if (name.equals("h2")) {
            return Optional.of(H2);
        }
        return Optional.empty();
    }
}
