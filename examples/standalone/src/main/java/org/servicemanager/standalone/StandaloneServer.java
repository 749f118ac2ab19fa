package org.servicemanager.standalone;

import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.handler.MinimumDataRateHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.servicemanager.api.security.Role;
import org.servicemanager.core.JvmTuning;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.servlet.ServiceManagerServlet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone Service Manager: Jetty 12 serving {@link ServiceManagerServlet}, configured by the
 * environment variables of {@link StandaloneVariables#ALL} (the one table of them, which
 * {@code --help} prints with their defaults and meanings). {@code --version} prints the version.
 *
 * <p>Bad configuration or an unknown argument ends the process with exit code 2, a failure to start
 * (e.g. the port is taken) with exit code 1, each with one line on standard error and no stack trace
 * (unless {@code SM_LOG_LEVEL} is {@code debug}). SIGTERM stops the server gracefully.
 * Thread-safe: {@link #start} may be called from any thread, and each call starts its own server.
 */
public final class StandaloneServer {
    /** The process exit code for configuration errors, as is usual for command-line usage errors. */
    static final int EXIT_BAD_CONFIGURATION = 2;
    /** The process exit code when the server cannot start, e.g. because the port is taken. */
    static final int EXIT_START_FAILED = 1;

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneServer.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    /** A connection that sends nothing for this long is closed (Jetty's default, made explicit). */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Below this rate (bytes per second, after the first second) a request body is refused with
     * 408 and its connection closed: a client trickling a body holds a connection for nothing.
     */
    static final long MIN_REQUEST_DATA_RATE = 1024;
    private static final int GENERATED_PASSWORD_BYTES = 24;

    private StandaloneServer() {
    }

    /**
     * Handles {@code --help} and {@code --version}, or starts the server from the process environment
     * and runs until the JVM is stopped.
     */
    public static void main(String[] args) {
        int exit = arguments(args, System.out, System.err);
        if (exit != START) {
            System.exit(exit);
            return;
        }
        JvmTuning.sizeCommonPool();
        Map<String, String> env = System.getenv();
        Running running;
        try {
            running = start(env);
        } catch (RuntimeException e) {
            System.exit(reportStartFailure(e, StandaloneVariables.verbose(env), System.err));
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(running::close, "sm-shutdown"));
        running.join();
    }

    /** What {@link #arguments} returns when the server is to start. */
    static final int START = -1;

    /**
     * Acts on the command-line arguments: prints the help or the version to {@code out} and returns
     * 0, reports an unknown argument on {@code err} in one line and returns 2, or returns
     * {@link #START} when there are none.
     */
    static int arguments(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            return START;
        }
        String first = args[0];
        if (args.length == 1 && (first.equals("--help") || first.equals("-h"))) {
            StandaloneVariables.printHelp(out);
            return 0;
        }
        if (args.length == 1 && first.equals("--version")) {
            out.println(StandaloneVersion.line());
            out.flush();
            return 0;
        }
        err.println("Service Manager not started: "
                + (args.length == 1 ? "unknown argument '" + oneLine(first) + "'" : "too many arguments")
                + "; it is configured by environment variables, see --help");
        err.flush();
        return EXIT_BAD_CONFIGURATION;
    }

    /**
     * Prints why the server did not start as one line on {@code err} (with the stack trace after it
     * only when {@code verbose}) and returns the exit code: 2 for bad configuration, 1 otherwise.
     * Operators read the line; a stack trace of a taken port only hides it.
     */
    static int reportStartFailure(RuntimeException e, boolean verbose, PrintStream err) {
        err.println("Service Manager not started: " + oneLine(describe(e)));
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return e instanceof ConfigurationException ? EXIT_BAD_CONFIGURATION : EXIT_START_FAILED;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getName() + (e.getCause() == null ? "" : ": " + describe(e.getCause()));
        }
        return message;
    }

    /** Line breaks (a driver's multi-line message, say) would make the one line several. */
    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /**
     * Starts a server configured by {@code env}; a generated admin password is printed to standard
     * output.
     *
     * @throws ConfigurationException when a variable has a bad value
     */
    static Running start(Map<String, String> env) {
        return start(env, System.out);
    }

    /**
     * Starts a server configured by {@code env}, printing a generated admin password (and nothing
     * else) to {@code console}.
     */
    static Running start(Map<String, String> env, PrintStream console) {
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(console, "console");
        // Logback read these itself when it started (falling back to the defaults); a typo is still an error.
        StandaloneVariables.jsonLogs(env);
        StandaloneVariables.logLevel(env);
        String host = value(env, "SM_HOST", "127.0.0.1");
        int port = port(value(env, "SM_PORT", "8080"));
        String username = value(env, "SM_ADMIN_USERNAME", "admin");
        Duration brokerTimeout = Duration.ofSeconds(positive("SM_BROKER_TIMEOUT_SECONDS",
                value(env, "SM_BROKER_TIMEOUT_SECONDS", "60")));
        Duration retention = Duration.ofHours(positive("SM_NOTIFICATION_RETENTION_HOURS",
                value(env, "SM_NOTIFICATION_RETENTION_HOURS", "12")));
        Duration pollInterval = Duration.ofSeconds(positive("SM_OPERATIONS_POLL_SECONDS",
                value(env, "SM_OPERATIONS_POLL_SECONDS", "4")));
        Duration retryInterval = Duration.ofSeconds(positive("SM_OPERATIONS_RETRY_SECONDS",
                value(env, "SM_OPERATIONS_RETRY_SECONDS", "10")));
        Duration maxPolling = Duration.ofMinutes(positive("SM_OPERATIONS_MAX_POLLING_MINUTES",
                value(env, "SM_OPERATIONS_MAX_POLLING_MINUTES", "1440")));
        Duration operationRetention = Duration.ofDays(positive("SM_OPERATIONS_RETENTION_DAYS",
                value(env, "SM_OPERATIONS_RETENTION_DAYS", "7")));
        // Read before anything is opened: a bad file ends the start with nothing to clean up.
        SslContextFactory.Server tls = StandaloneTls.serverContext(env);
        java.security.KeyStore brokerTrust = StandaloneTls.brokerTrustStore(env);
        long failedLoginLimit = between("SM_FAILED_LOGIN_LIMIT", value(env, "SM_FAILED_LOGIN_LIMIT", "10"), 0,
                1_000_000);
        Duration failedLoginWindow = Duration.ofSeconds(between("SM_FAILED_LOGIN_WINDOW_SECONDS",
                value(env, "SM_FAILED_LOGIN_WINDOW_SECONDS", "60"), 1, 86_400));
        String configuredPassword = env.get("SM_ADMIN_PASSWORD");
        boolean generated = configuredPassword == null || configuredPassword.isEmpty();
        String password = generated ? generatePassword() : configuredPassword;
        String readOnlyUser = value(env, "SM_READ_ONLY_USERNAME", null);
        String readOnlyPassword = env.get("SM_READ_ONLY_PASSWORD");
        if (readOnlyPassword != null && readOnlyPassword.isEmpty()) {
            readOnlyPassword = null;
        }
        if ((readOnlyUser == null) != (readOnlyPassword == null)) {
            throw new ConfigurationException(readOnlyUser == null
                    ? "SM_READ_ONLY_USERNAME must be set too when SM_READ_ONLY_PASSWORD is set"
                    : "SM_READ_ONLY_PASSWORD must be set too when SM_READ_ONLY_USERNAME is set");
        }
        if (username.equals(readOnlyUser)) {
            throw new ConfigurationException("SM_READ_ONLY_USERNAME must differ from the admin's user name, was '"
                    + readOnlyUser + "'");
        }
        StandaloneTokens tokens = StandaloneTokens.read(env);
        String tenantLabelKey = value(env, "SM_TENANT_LABEL_KEY", null);
        if (tokens.tenantClaim() != null && tenantLabelKey == null) {
            throw new ConfigurationException("SM_OIDC_TENANT_CLAIM needs SM_TENANT_LABEL_KEY (multitenancy on)");
        }
        java.util.Set<String> protectedLabels = new java.util.LinkedHashSet<>();
        for (String key : value(env, "SM_PROTECTED_LABELS", "").split(",")) {
            if (!key.isBlank()) {
                protectedLabels.add(key.trim());
            }
        }

        StandaloneMetrics metrics = StandaloneMetrics.read(env);
        StandaloneStorage.Opened storage = StandaloneStorage.open(env);
        // Bound before the Service Manager is built: the built-in issuer's URL holds the port,
        // which with SM_PORT=0 is known only once bound.
        Server server = jetty(host, port, tls);
        ServerConnector connector = (ServerConnector) server.getConnectors()[0];
        try {
            connector.open();
        } catch (Exception e) {
            closeQuietly(connector);
            storage.close();
            throw new IllegalStateException(bindFailure(host, port, e), e);
        }
        String publicUrl = tokens.configuredPublicUrl();
        if (publicUrl == null) {
            publicUrl = StandaloneTokens.defaultPublicUrl(tls != null, host, connector.getLocalPort());
            if (tokens.mode() == StandaloneTokens.Mode.BUILT_IN && StandaloneTokens.isWildcard(host)) {
                LOG.warn("SM_HOST {} listens on every address; the token issuer names itself {}: set SM_PUBLIC_URL "
                        + "to the URL clients use", host, publicUrl + StandaloneTokens.ISSUER_PATH);
            }
        }
        ServiceManager sm;
        String tokenLine;
        try {
            ServiceManager.Builder builder = ServiceManager.builder()
                    .store(storage.store())
                    .adminUser(username, password)
                    .brokerConnectTimeout(brokerTimeout)
                    .brokerReadTimeout(brokerTimeout)
                    .notificationRetention(retention)
                    .operationsPollInterval(pollInterval)
                    .operationsRetryInterval(retryInterval)
                    .operationsMaxPollingDuration(maxPolling)
                    .operationRetention(operationRetention);
            if (readOnlyUser != null) {
                builder.user(readOnlyUser, readOnlyPassword, Role.READ_ONLY);
            }
            if (brokerTrust != null) {
                builder.brokerTrustStore(brokerTrust);
            }
            if (storage.encryptionKey() != null) {
                builder.encryptionKey(storage.encryptionKey());
            }
            if (failedLoginLimit > 0) {
                // On here (embedders opt in): a server on its own has nobody else slowing guessers down.
                builder.failedLoginLimit((int) failedLoginLimit, failedLoginWindow);
            }
            if (tenantLabelKey != null) {
                builder.tenantLabelKey(tenantLabelKey);
            }
            builder.protectedLabels(protectedLabels);
            tokenLine = tokens.apply(builder, publicUrl, username, brokerTrust);
            if (metrics != null) {
                metrics.apply(builder, storage);
            }
            sm = builder.build();
        } catch (ConfigurationException e) {
            closeQuietly(connector);
            storage.close();
            throw e;
        } catch (IllegalArgumentException e) {
            closeQuietly(connector);
            storage.close();
            throw new ConfigurationException(e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(connector);
            storage.close();
            throw e;
        }
        LOG.info("Storage: {}", storage.description());
        if (generated) {
            // Printed, never logged: logs are often collected and kept where passwords must not be.
            console.println("Generated admin password for user '" + username + "': " + password);
            console.flush();
        }

        attach(server, sm);
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            closeQuietly(connector);
            sm.close();
            storage.close();
            throw new IllegalStateException("cannot start the Service Manager on " + host + ":" + port + ": "
                    + e.getMessage(), e);
        }
        Running running = new Running(server, sm, storage, host, generated, tls != null, publicUrl);
        LOG.info("Service Manager listening on {}", running.baseUrl());
        LOG.info("{}", tokenLine);
        return running;
    }

    /**
     * Why the listening socket could not be opened, in a line an operator can act on: Jetty's own
     * message names the address but not the reason, which is the JDK's, in the cause.
     */
    static String bindFailure(String host, int port, Exception e) {
        String address = (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
        Throwable reason = e;
        while (reason.getCause() != null && !(reason instanceof java.net.SocketException)) {
            reason = reason.getCause();
        }
        if (reason instanceof java.nio.channels.UnresolvedAddressException) {
            return "cannot listen on " + address + ": SM_HOST '" + host + "' is not a known host name or address";
        }
        String why = reason.getMessage() == null ? reason.getClass().getSimpleName() : reason.getMessage();
        String hint;
        String lower = why.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("already in use")) {
            hint = " (another process listens there; stop it, or set SM_PORT to a free port or 0)";
        } else if (lower.contains("assign requested address")) {
            hint = " (SM_HOST is not an address of this machine)";
        } else if (lower.contains("permission denied") || lower.contains("access denied")) {
            hint = " (ports below 1024 need privileges; set SM_PORT to 1024 or above)";
        } else {
            hint = "";
        }
        return "cannot listen on " + address + ": " + why + hint;
    }

    private static Server jetty(String host, int port, SslContextFactory.Server tls) {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("sm-http");
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        ServerConnector connector;
        if (tls == null) {
            connector = new ServerConnector(server, new HttpConnectionFactory(http));
        } else {
            // Marks requests secure (the servlet sees https) and adds the client's TLS details to them.
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            // Browsers that reached the server over https once never try plain http on it again
            // (a year, the usual value); there is no http listener beside the https one anyway.
            secure.setStsMaxAge(Duration.ofDays(365).toSeconds());
            http.addCustomizer(secure);
            connector = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"),
                    new HttpConnectionFactory(http));
        }
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        server.addConnector(connector);
        // Errors Jetty answers itself (400, 408, 414, 431, ...) get the Service Manager's JSON body.
        server.setErrorHandler(new JsonErrorHandler());
        server.setStopTimeout(STOP_TIMEOUT.toMillis());
        server.setStopAtShutdown(false); // our own shutdown hook stops it, then logs
        return server;
    }

    /** Serves {@code sm} on {@code server}. */
    private static void attach(Server server, ServiceManager sm) {
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder servlet = new ServletHolder("service-manager", new ServiceManagerServlet(sm));
        servlet.setAsyncSupported(true);
        context.addServlet(servlet, "/*");
        context.setErrorHandler(new JsonErrorHandler());
        // Jakarta WebSocket, so the servlet can upgrade GET /v1/notifications for the Service Broker Proxies.
        JakartaWebSocketServletContainerInitializer.configure(context, null);
        // GracefulHandler lets requests in flight finish (up to the stop timeout) before Jetty stops.
        server.setHandler(new GracefulHandler(new MinimumDataRateHandler(context, MIN_REQUEST_DATA_RATE, 0)));
    }

    private static String value(Map<String, String> env, String name, String defaultValue) {
        String value = env.get(name);
        return value == null || value.isBlank() ? defaultValue : value.trim();
    }

    private static int port(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below, with the value
        }
        throw new ConfigurationException("SM_PORT must be an integer between 0 and 65535, was '" + value + "'");
    }

    /** A positive whole number of some unit, small enough for any {@link Duration} of it. */
    private static long between(String name, String value, long min, long max) {
        try {
            long number = Long.parseLong(value);
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below, with the value
        }
        throw new ConfigurationException(name + " must be an integer between " + min + " and " + max + ", was '"
                + value + "'");
    }

    private static long positive(String name, String value) {
        try {
            long number = Long.parseLong(value);
            if (number > 0 && number <= 1_000_000) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below, with the value
        }
        throw new ConfigurationException(name + " must be an integer between 1 and 1000000, was '" + value + "'");
    }

    private static String generatePassword() {
        byte[] random = new byte[GENERATED_PASSWORD_BYTES];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static void closeQuietly(ServerConnector connector) {
        try {
            connector.close();
        } catch (RuntimeException e) {
            LOG.debug("closing the listening socket after a failed start failed too", e);
        }
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.debug("stopping Jetty after a failed start failed too", e);
        }
    }

    /** A configuration value is invalid; the message names the variable and the value. */
    static final class ConfigurationException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        ConfigurationException(String message) {
            super(message);
        }

        ConfigurationException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A started server. Thread-safe; {@link #close()} may be called more than once. */
    static final class Running implements AutoCloseable {
        private final Server server;
        private final ServiceManager sm;
        private final StandaloneStorage.Opened storage;
        private final String host;
        private final boolean adminPasswordGenerated;
        private final boolean https;
        private final String publicUrl;
        private final Object closeLock = new Object();
        private boolean closed;

        private Running(Server server, ServiceManager sm, StandaloneStorage.Opened storage, String host,
                boolean adminPasswordGenerated, boolean https, String publicUrl) {
            this.server = server;
            this.publicUrl = publicUrl;
            this.https = https;
            this.sm = sm;
            this.storage = storage;
            this.host = host;
            this.adminPasswordGenerated = adminPasswordGenerated;
        }

        /** The bound port (the actual one when {@code SM_PORT} was 0). */
        int port() {
            return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        }

        /** {@code http://HOST:PORT}, or {@code https://HOST:PORT} when it serves TLS. */
        String baseUrl() {
            String shownHost = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
            return (https ? "https://" : "http://") + shownHost + ":" + port();
        }

        /** The base URL clients use: {@code SM_PUBLIC_URL}, or the listening address. */
        String publicUrl() {
            return publicUrl;
        }

        /** The TLS settings it serves with, {@code null} for plain HTTP (for tests). */
        SslContextFactory.Server tls() {
            SslConnectionFactory ssl = server.getConnectors()[0].getConnectionFactory(SslConnectionFactory.class);
            return ssl == null ? null : ssl.getSslContextFactory();
        }

        /** The Service Manager it serves (for tests). */
        ServiceManager serviceManager() {
            return sm;
        }

        /** Whether the admin password was generated (and printed) because none was configured. */
        boolean adminPasswordGenerated() {
            return adminPasswordGenerated;
        }

        /** Blocks until the server has stopped. */
        void join() {
            try {
                server.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Stops Jetty gracefully, then closes the Service Manager and its store. */
        @Override
        public void close() {
            synchronized (closeLock) {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    server.stop();
                } catch (Exception e) {
                    LOG.warn("Jetty did not stop cleanly", e);
                } finally {
                    sm.close();
                    storage.close();
                }
                LOG.info("Service Manager stopped");
            }
        }
    }
}
