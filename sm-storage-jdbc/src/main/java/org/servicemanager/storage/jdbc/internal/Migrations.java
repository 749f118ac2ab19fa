package org.servicemanager.storage.jdbc.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import javax.sql.DataSource;
import org.servicemanager.storage.jdbc.Dialect;
import org.servicemanager.storage.jdbc.JdbcStoreException;

/**
 * Brings a database's schema up to date with the scripts shipped for its dialect. The scripts are
 * {@code org/servicemanager/storage/jdbc/<dialect>/V<n>__<description>.sql}, listed in that folder's
 * {@code migrations} index (a class path has no portable directory listing); each is applied once,
 * in order, and recorded in {@code sm_schema_version} with a checksum, so that a script changed
 * after it was applied is a startup error rather than a silently different schema.
 *
 * <p>Several nodes may start at once. On PostgreSQL the whole run is one transaction that first takes
 * a transaction-scoped advisory lock: one node applies the scripts, the others wait for its commit
 * and then find nothing left to do; PostgreSQL's transactional DDL makes a failed run leave no trace.
 * H2 commits DDL implicitly and is single-node anyway, so a JVM-wide lock serialises the stores of
 * one process instead. Stateless and thread-safe.
 */
public final class Migrations {
    /** The schema version table. */
    public static final String VERSION_TABLE = "sm_schema_version";

    private static final String ROOT = "/org/servicemanager/storage/jdbc/";
    private static final Pattern SCRIPT = Pattern.compile("V(\\d+)__(\\w+)\\.sql");
    /** An arbitrary constant that names "the Service Manager's schema migration" among advisory locks. */
    private static final long ADVISORY_LOCK = 0x534d5f5343484d41L;
    private static final Object H2_LOCK = new Object();

    private Migrations() {
    }

    /** Applies every script not yet applied; returns how many it applied. */
    public static int migrate(DataSource dataSource, Dialect dialect) {
        return migrateThrough(dataSource, dialect, Integer.MAX_VALUE);
    }

    /**
     * Applies the scripts not yet applied up to {@code version}, leaving the schema an earlier
     * release had: for tests that upgrade a database of that release. Returns how many it applied.
     */
    public static int migrateThrough(DataSource dataSource, Dialect dialect, int version) {
        List<Script> scripts = scripts(dialect).stream().filter(s -> s.version() <= version).toList();
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                int applied;
                if (dialect == Dialect.H2) {
                    synchronized (H2_LOCK) {
                        applied = migrate(connection, dialect, scripts);
                    }
                } else {
                    applied = migrate(connection, dialect, scripts);
                }
                connection.commit();
                return applied;
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new JdbcStoreException("cannot migrate the schema", e);
        }
    }

    private static int migrate(Connection connection, Dialect dialect, List<Script> scripts) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            if (dialect == Dialect.POSTGRESQL) {
                statement.execute("SELECT pg_advisory_xact_lock(" + ADVISORY_LOCK + ")");
            }
            statement.execute("CREATE TABLE IF NOT EXISTS " + VERSION_TABLE + " (version INTEGER NOT NULL PRIMARY KEY,"
                    + " description VARCHAR(200) NOT NULL, script VARCHAR(200) NOT NULL, checksum BIGINT NOT NULL,"
                    + " installed_at TIMESTAMP WITH TIME ZONE NOT NULL)");
        }
        Map<Integer, Long> applied = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT version, checksum FROM " + VERSION_TABLE)) {
            while (rs.next()) {
                applied.put(rs.getInt(1), rs.getLong(2));
            }
        }
        int count = 0;
        for (Script script : scripts) {
            Long checksum = applied.get(script.version());
            if (checksum != null) {
                if (checksum != script.checksum()) {
                    throw new IllegalStateException("schema script " + script.name() + " was changed after it was"
                            + " applied: the database has checksum " + checksum + ", the script " + script.checksum());
                }
                continue;
            }
            try (Statement statement = connection.createStatement()) {
                for (String sql : script.statements()) {
                    statement.execute(sql);
                }
            }
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + VERSION_TABLE
                    + " (version, description, script, checksum, installed_at) VALUES (?, ?, ?, ?, ?)")) {
                insert.setInt(1, script.version());
                insert.setString(2, script.description());
                insert.setString(3, script.name());
                insert.setLong(4, script.checksum());
                insert.setObject(5, OffsetDateTime.now(ZoneOffset.UTC));
                insert.executeUpdate();
            }
            count++;
        }
        // A version beyond the scripts was applied by a newer node; it stays compatible by the rule that
        // scripts only ever add, so this node runs on rather than blocking a rolling upgrade.
        return count;
    }

    /** The dialect's scripts in version order. */
    static List<Script> scripts(Dialect dialect) {
        String folder = ROOT + dialect.directory() + "/";
        List<Script> scripts = new ArrayList<>();
        for (String line : read(folder + "migrations").split("\n")) {
            String name = line.trim();
            if (name.isEmpty() || name.startsWith("#")) {
                continue;
            }
            Matcher matcher = SCRIPT.matcher(name);
            if (!matcher.matches()) {
                throw new IllegalStateException("schema script name " + name + " is not V<n>__<description>.sql");
            }
            int version = Integer.parseInt(matcher.group(1));
            if (version != scripts.size() + 1) {
                throw new IllegalStateException("schema script " + name + " should have version " + (scripts.size() + 1));
            }
            String text = read(folder + name);
            CRC32 crc = new CRC32();
            crc.update(text.getBytes(StandardCharsets.UTF_8));
            scripts.add(new Script(version, matcher.group(2), name, crc.getValue(), statements(text)));
        }
        return scripts;
    }

    /** Splits at semicolons that end a line; the scripts keep to that (and have no semicolon inside). */
    private static List<String> statements(String text) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                String statement = current.toString().strip();
                statements.add(statement.substring(0, statement.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            statements.add(current.toString().strip());
        }
        return statements;
    }

    private static String read(String resource) {
        try (InputStream in = Migrations.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("schema resource " + resource + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read schema resource " + resource, e);
        }
    }

    /** One versioned script. Immutable. */
    record Script(int version, String description, String name, long checksum, List<String> statements) {
    }
}
