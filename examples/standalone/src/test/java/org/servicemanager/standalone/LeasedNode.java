package org.servicemanager.standalone;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.jdk.SmHttpServer;
import org.servicemanager.storage.jdbc.JdbcStore;

/**
 * A Service Manager node on a shared PostgreSQL with short operation leases, served on a free
 * loopback port: in the test's JVM ({@link #start}) or as a JVM of its own ({@link #spawn}, through
 * {@link #main}), which a test can kill with {@code kill -9} so that the node dies holding its leases,
 * as a crashed machine does. The packaged jar has no setting for the lease (it follows the broker
 * timeout, a minute or more), hence this small node. Thread-safe.
 */
final class LeasedNode implements AutoCloseable {
    static final Duration READ_TIMEOUT = Duration.ofSeconds(1);
    static final Duration LEASE = Duration.ofSeconds(3);
    static final Duration POLL = Duration.ofSeconds(1);
    static final Duration RETRY = Duration.ofSeconds(1);
    private static final Pattern LISTENING = Pattern.compile("leased node listening on (http://\\S+)");

    private final HikariDataSource pool;
    private final JdbcStore store;
    private final ServiceManager sm;
    private final SmHttpServer http;

    private LeasedNode(HikariDataSource pool, JdbcStore store, ServiceManager sm, SmHttpServer http) {
        this.pool = pool;
        this.store = store;
        this.sm = sm;
        this.http = http;
    }

    /** A node in this JVM on {@code jdbcUrl}, sealing secrets with {@code key} (as every node must). */
    static LeasedNode start(String jdbcUrl, byte[] key) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(4);
        HikariDataSource pool = new HikariDataSource(config);
        JdbcStore store = JdbcStore.builder(pool).build();
        ServiceManager sm = ServiceManager.builder().store(store)
                .adminUser(OperationsApi.ADMIN, OperationsApi.ADMIN_PASSWORD)
                .encryptionKey(key)
                .brokerReadTimeout(READ_TIMEOUT)
                .operationLease(LEASE)
                .operationsPollInterval(POLL)
                .operationsRetryInterval(RETRY)
                .build();
        SmHttpServer http = SmHttpServer.start(sm, new InetSocketAddress("127.0.0.1", 0));
        return new LeasedNode(pool, store, sm, http);
    }

    String baseUrl() {
        return http.baseUrl();
    }

    ServiceManager serviceManager() {
        return sm;
    }

    @Override
    public void close() {
        http.close();
        sm.close();
        store.close();
        pool.close();
    }

    /** {@code LeasedNode <jdbc url>} with the key in {@code SM_TEST_NODE_KEY}: runs until killed. */
    public static void main(String[] args) throws InterruptedException {
        LeasedNode node = start(args[0], Base64.getDecoder().decode(System.getenv("SM_TEST_NODE_KEY")));
        System.out.println("leased node listening on " + node.baseUrl());
        System.out.flush();
        Thread.currentThread().join();
    }

    /** A node in a JVM of its own, on this JVM's class path; its output goes to {@code log}. */
    static Spawned spawn(String jdbcUrl, byte[] key, Path log) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // Under surefire the class path may be a manifest-only jar; it works as a -cp entry too.
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java.toString(), "-cp", classPath,
                "-Duser.timezone=UTC", LeasedNode.class.getName(), jdbcUrl));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("SM_TEST_NODE_KEY", Base64.getEncoder().encodeToString(key));
        Process process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && process.isAlive()) {
            for (String line : Files.readAllLines(log)) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    return new Spawned(process, m.group(1));
                }
            }
            Thread.sleep(50);
        }
        process.destroyForcibly();
        throw new AssertionError("the spawned node did not start: " + Files.readString(log));
    }

    /** A node in a JVM of its own. */
    record Spawned(Process process, String baseUrl) {
        /** {@code kill -9}: the node dies holding its leases. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                throw new AssertionError("the spawned node did not die");
            }
        }
    }
}
