package org.servicemanager.demobroker;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The demo broker: an Open Service Broker on the JDK's HTTP server with one offering,
 * {@code demo-db}, whose plan {@code small} is provisioned at once and {@code large}
 * asynchronously. Instances and bindings live in memory. Every {@code /v2} call needs HTTP Basic
 * credentials and {@code X-Broker-API-Version: 2.x}; {@code GET /} answers without them, so that a
 * script can wait for the broker to listen.
 *
 * <p>{@code java -jar demo-broker.jar} is configured by environment variables:
 * {@code DEMO_BROKER_HOST} (default {@code 127.0.0.1}), {@code DEMO_BROKER_PORT} ({@code 9090};
 * {@code 0} picks a free one), {@code DEMO_BROKER_USERNAME} ({@code broker-user}) and
 * {@code DEMO_BROKER_PASSWORD} (generated and printed once if unset).
 *
 * <p>Thread-safe; {@link #close()} stops the server.
 */
public final class DemoBroker implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    private DemoBroker(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts the broker from the process environment and runs until the JVM is stopped. */
    public static void main(String[] args) {
        DemoBroker broker = start(System.getenv(), System.out);
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "demo-broker-shutdown"));
    }

    /**
     * Starts a broker configured as {@code java -jar demo-broker.jar} is (see the class comment),
     * printing where it listens, and a generated password, to {@code out}.
     *
     * @throws IllegalArgumentException when {@code DEMO_BROKER_PORT} is not a port number
     */
    public static DemoBroker start(Map<String, String> env, PrintStream out) {
        String host = env.getOrDefault("DEMO_BROKER_HOST", "127.0.0.1");
        String portText = env.getOrDefault("DEMO_BROKER_PORT", "9090");
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("DEMO_BROKER_PORT must be a port number (0 to 65535), was '"
                    + portText + "'");
        }
        String username = env.getOrDefault("DEMO_BROKER_USERNAME", "broker-user");
        String password = env.get("DEMO_BROKER_PASSWORD");
        boolean generated = password == null || password.isEmpty();
        if (generated) {
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        }
        DemoBroker broker = start(new InetSocketAddress(host, port), username, password, Clock.systemUTC());
        out.println("Demo broker listening on " + broker.url() + " (user " + username + ")");
        if (generated) {
            // Printed once, as the standalone server does with its admin password: the person who
            // started it needs it to register the broker.
            out.println("Generated password for " + username + ": " + password);
        }
        out.flush();
        return broker;
    }

    /**
     * Starts a broker on {@code address} (port 0 picks a free one) accepting {@code username} and
     * {@code password}; {@code clock} times the asynchronous provisioning of the plan {@code large}.
     */
    public static DemoBroker start(InetSocketAddress address, String username, String password, Clock clock) {
        Objects.requireNonNull(address, "address");
        OsbHandler handler = new OsbHandler(username, password, clock);
        HttpServer server;
        try {
            server = HttpServer.create(address, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(4);
        server.setExecutor(executor);
        server.createContext("/", handler);
        server.start();
        return new DemoBroker(server, executor);
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The URL to register it with, e.g. {@code http://127.0.0.1:9090}. */
    public String url() {
        return "http://" + server.getAddress().getHostString() + ":" + port();
    }

    /** Stops listening at once and ends its threads. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
