package org.servicemanager.benchmarks;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * A data source around another that counts the SQL statements sent through it, per statement text:
 * every {@code execute}, {@code executeQuery}, {@code executeUpdate} and {@code executeLargeUpdate}
 * counts one, an {@code executeBatch} counts each batched entry (the driver sends each as a statement
 * unless told to rewrite them), a savepoint set, released or rolled back to counts one (the driver sends
 * each as a statement), and commits and rollbacks are counted apart. Statements run by a
 * thread inside {@link #uncounted(Runnable)} are counted apart: the benchmark's own observation of the
 * store must not inflate what it measures. Counting is a JDK dynamic proxy over the JDBC interfaces;
 * anything reached through {@code unwrap} is not counted. Thread-safe.
 */
final class CountingDataSource {
    private static final ThreadLocal<Boolean> UNCOUNTED = ThreadLocal.withInitial(() -> false);

    private final Map<String, LongAdder> bySql = new ConcurrentHashMap<>();
    private final AtomicLong statements = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong rollbacks = new AtomicLong();
    private final AtomicLong uncountedStatements = new AtomicLong();
    private final AtomicLong uncountedEnds = new AtomicLong();
    private final DataSource counting;
    private final Queue<Traced> trace = new ConcurrentLinkedQueue<>();
    private volatile boolean tracing;

    /** A counted statement (or {@code COMMIT}/{@code ROLLBACK}) with when it was sent. */
    record Traced(long nanos, String sql, String thread) {
    }

    CountingDataSource(DataSource delegate) {
        this.counting = proxy(DataSource.class, delegate, (target, method, args) -> {
            Object result = invoke(target, method, args);
            return result instanceof Connection c ? connection(c) : result;
        });
    }

    /** The counting data source, to hand to the store. */
    DataSource dataSource() {
        return counting;
    }

    /** Runs {@code work} on this thread without counting its statements. */
    static void uncounted(Runnable work) {
        UNCOUNTED.set(true);
        try {
            work.run();
        } finally {
            UNCOUNTED.set(false);
        }
    }

    long statements() {
        return statements.get();
    }

    long commits() {
        return commits.get();
    }

    long rollbacks() {
        return rollbacks.get();
    }

    /** Statements sent inside {@link #uncounted}, kept apart (to subtract them from the server's count). */
    long uncountedStatements() {
        return uncountedStatements.get();
    }

    /** Commits and rollbacks sent inside {@link #uncounted}. */
    long uncountedEnds() {
        return uncountedEnds.get();
    }

    /** A statement's text as both counts key it: whitespace collapsed and trimmed. */
    static String normalized(String sql) {
        return sql.replaceAll("\\s+", " ").trim();
    }

    /** Statement counts by statement text (whitespace collapsed), sorted by text. */
    Map<String, Long> bySql() {
        Map<String, Long> copy = new TreeMap<>();
        bySql.forEach((sql, n) -> copy.merge(normalized(sql), n.sum(), Long::sum));
        return copy;
    }

    /** From now on, also keeps every counted statement with its time (for a single operation's timeline). */
    void trace(boolean on) {
        tracing = on;
    }

    List<Traced> traced() {
        return List.copyOf(trace);
    }

    void reset() {
        trace.clear();
        bySql.clear();
        statements.set(0);
        uncountedStatements.set(0);
        uncountedEnds.set(0);
        commits.set(0);
        rollbacks.set(0);
    }

    private Connection connection(Connection real) {
        return proxy(Connection.class, real, (target, method, args) -> {
            String name = method.getName();
            if (UNCOUNTED.get()) {
                if (name.equals("commit") || (name.equals("rollback") && args == null)) {
                    uncountedEnds.incrementAndGet();
                } else if (name.equals("setSavepoint") || name.equals("releaseSavepoint") || name.equals("rollback")) {
                    uncountedStatements.incrementAndGet();
                }
            } else {
                // Savepoints are statements on the wire (SAVEPOINT, RELEASE, ROLLBACK TO) though JDBC sends them
                // through the connection: the store sets one around each call inside a transaction.
                if (name.equals("setSavepoint")) {
                    count("SAVEPOINT", 1);
                } else if (name.equals("releaseSavepoint")) {
                    count("RELEASE SAVEPOINT", 1);
                } else if (name.equals("rollback") && args != null && args.length == 1) {
                    count("ROLLBACK TO SAVEPOINT", 1);
                } else if (name.equals("commit")) {
                    commits.incrementAndGet();
                    traceOne("COMMIT");
                } else if (name.equals("rollback") && args == null) {
                    rollbacks.incrementAndGet();
                    traceOne("ROLLBACK");
                }
            }
            Object result = invoke(target, method, args);
            if (result instanceof CallableStatement s) {
                return statement(CallableStatement.class, s, (String) args[0]);
            } else if (result instanceof PreparedStatement s) {
                return statement(PreparedStatement.class, s, (String) args[0]);
            } else if (result instanceof Statement s) {
                return statement(Statement.class, s, null);
            }
            return result;
        });
    }

    private <S extends Statement> S statement(Class<S> type, S real, String preparedSql) {
        int[] batched = {0};
        return proxy(type, real, (target, method, args) -> {
            String name = method.getName();
            if (name.equals("addBatch")) {
                batched[0]++;
            } else if (name.equals("clearBatch")) {
                batched[0] = 0;
            } else if (name.startsWith("execute")) {
                String sql = args != null && args.length > 0 && args[0] instanceof String s ? s : preparedSql;
                int n = name.equals("executeBatch") || name.equals("executeLargeBatch") ? batched[0] : 1;
                if (UNCOUNTED.get()) {
                    uncountedStatements.addAndGet(n);
                } else {
                    count(sql, n);
                }
            }
            if (name.startsWith("executeBatch") || name.equals("executeLargeBatch")) {
                batched[0] = 0;
            }
            return invoke(target, method, args);
        });
    }

    private void count(String sql, int n) {
        if (n == 0) {
            return;
        }
        statements.addAndGet(n);
        // Keyed by the text as sent (cheap); collapsed for reading in bySql().
        String key = sql == null ? "(unknown)" : sql;
        bySql.computeIfAbsent(key, k -> new LongAdder()).add(n);
        for (int i = 0; i < n; i++) {
            traceOne(key);
        }
    }

    private void traceOne(String sql) {
        if (tracing) {
            trace.add(new Traced(System.nanoTime(), normalized(sql),
                    Thread.currentThread().getName()));
        }
    }

    /** The statement's first words, up to its table, for a short breakdown. */
    static String shortForm(String sql) {
        String upper = sql.toUpperCase(Locale.ROOT);
        int cut = sql.length();
        for (String stop : new String[] {" WHERE ", " VALUES", " SET ", " ON CONFLICT", " ORDER BY"}) {
            int at = upper.indexOf(stop);
            if (at > 0 && at < cut) {
                cut = at;
            }
        }
        String head = sql.substring(0, cut);
        return head.length() > 110 ? head.substring(0, 110) + "..." : head;
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, T target, Handler<T> handler) {
        InvocationHandler h = (p, method, args) -> handler.handle(target, method, args);
        return (T) Proxy.newProxyInstance(CountingDataSource.class.getClassLoader(), new Class<?>[] {type}, h);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @FunctionalInterface
    private interface Handler<T> {
        Object handle(T target, Method method, Object[] args) throws Throwable;
    }
}
