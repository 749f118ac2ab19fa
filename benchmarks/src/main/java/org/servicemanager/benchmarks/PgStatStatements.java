package org.servicemanager.benchmarks;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * PostgreSQL's own count of the statements it ran ({@code pg_stat_statements}), to check the count a
 * benchmark takes on the client side. Its own queries here are left out of what it reports. Stateless;
 * thread-safe.
 */
final class PgStatStatements {
    private PgStatStatements() {
    }

    /**
     * Statements, and transaction control ({@code BEGIN}, {@code COMMIT}, {@code ROLLBACK}: the driver's
     * implicit {@code BEGIN} shows, its {@code COMMIT} mostly not) apart, since the reset; and every
     * query's calls.
     */
    record Totals(long statements, long ends, java.util.Map<String, Long> byQuery) {
    }

    /** Creates the extension if the server has it loaded; false if it cannot be used. */
    static boolean enable(DataSource dataSource) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            if (!c.getAutoCommit()) {
                c.commit();
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_statements")) {
                return rs.next();
            }
        } catch (SQLException e) {
            return false;
        }
    }

    static void reset(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_stat_statements_reset()");
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
    }

    static Totals read(DataSource dataSource) throws SQLException {
        long statements = 0;
        long ends = 0;
        java.util.Map<String, Long> byQuery = new java.util.TreeMap<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT query, calls FROM pg_stat_statements"
                        + " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
            while (rs.next()) {
                String query = rs.getString(1).trim();
                long calls = rs.getLong(2);
                if (query.contains("pg_stat_statements")) {
                    continue;
                }
                byQuery.merge(CountingDataSource.normalized(query), calls, Long::sum);
                String word = query.split("\\s+", 2)[0].toUpperCase(java.util.Locale.ROOT);
                if (word.equals("COMMIT") || word.equals("ROLLBACK") || word.equals("BEGIN")) {
                    ends += calls;
                } else {
                    statements += calls;
                }
            }
        }
        return new Totals(statements, ends, byQuery);
    }
}
