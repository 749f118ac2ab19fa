package org.servicemanager.it;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source that counts the SQL statements executed through it (each {@code execute*} call,
 * a batch as one; the notification log's own reads left out), so that tests can hold the store's work per operation to a budget. Thread-safe.
 */
final class CountingDataSource implements DataSource {
    private final DataSource target;
    private final AtomicLong statements = new AtomicLong();
    private final AtomicLong savepoints = new AtomicLong();
    private final AtomicBoolean recording = new AtomicBoolean();
    private final List<String> recorded = new CopyOnWriteArrayList<>();

    CountingDataSource(DataSource target) {
        this.target = target;
    }

    long statements() {
        return statements.get();
    }

    /** Savepoint commands (set, release, roll back to): statements on PostgreSQL's wire too. */
    long savepoints() {
        return savepoints.get();
    }

    /** Starts remembering the SQL of each statement (for a failing budget's message). */
    void record() {
        recorded.clear();
        recording.set(true);
    }

    List<String> recorded() {
        return List.copyOf(recorded);
    }

    @Override
    public Connection getConnection() throws SQLException {
        return wrap(target.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return wrap(target.getConnection(username, password));
    }

    private Connection wrap(Connection connection) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("setSavepoint") || method.getName().equals("releaseSavepoint")
                    || (method.getName().equals("rollback") && args != null && args.length == 1)) {
                savepoints.incrementAndGet();
            }
            Object result = invoke(connection, method, args);
            if (result instanceof Statement statement) {
                String sql = args != null && args.length > 0 && args[0] instanceof String s ? s : null;
                return wrap(statement, sql);
            }
            return result;
        };
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, handler);
    }

    private Statement wrap(Statement statement, String preparedSql) {
        Class<?>[] interfaces = statement instanceof java.sql.CallableStatement
                ? new Class<?>[] {java.sql.CallableStatement.class}
                : statement instanceof java.sql.PreparedStatement ? new Class<?>[] {java.sql.PreparedStatement.class}
                : new Class<?>[] {Statement.class};
        InvocationHandler handler = (proxy, method, args) -> {
            // The notification hub's polling of its log is per node, not per operation.
            if (method.getName().startsWith("execute") && !mentions(preparedSql, args, "sm_notifications")) {
                statements.incrementAndGet();
                if (recording.get()) {
                    recorded.add(preparedSql != null ? preparedSql
                            : args != null && args.length > 0 ? String.valueOf(args[0]) : method.getName());
                }
            }
            return invoke(statement, method, args);
        };
        return (Statement) Proxy.newProxyInstance(Statement.class.getClassLoader(), interfaces, handler);
    }

    private static boolean mentions(String preparedSql, Object[] args, String table) {
        String sql = preparedSql != null ? preparedSql
                : args != null && args.length > 0 && args[0] instanceof String s ? s : "";
        return sql.contains(table);
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return target.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        target.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        target.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return target.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return target.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return target.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return target.isWrapperFor(iface);
    }
}
