package org.servicemanager.standalone;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one table of the environment variables the standalone server reads: {@code --help} prints
 * it, and {@code StandaloneVariablesTest} checks that every {@code SM_} name in the server's source
 * is in it and that the README's table names the same variables, so the three cannot drift apart.
 * It also checks the logging variables, without logback's classes, so that a host that runs the
 * server in-process on another SLF4J backend (the broker proxy's tests) can. Thread-safe: immutable.
 */
final class StandaloneVariables {
    /** One variable: its name, its default as shown to people, and what it means. */
    record Variable(String name, String defaultValue, String meaning) {
    }

    static final List<Variable> ALL = List.of(
            new Variable("SM_HOST", "127.0.0.1", "address to listen on; 0.0.0.0 or :: for every address"),
            new Variable("SM_PORT", "8080", "port, 0 to 65535; 0 picks a free one"),
            new Variable("SM_ADMIN_USERNAME", "admin", "the administrator's user name"),
            new Variable("SM_ADMIN_PASSWORD", "generated", "the administrator's password; if unset, a random one is "
                    + "generated and printed once to standard output"),
            new Variable("SM_READ_ONLY_USERNAME", "none", "a Basic user with the role read-only (GET only); needs "
                    + "SM_READ_ONLY_PASSWORD, and must differ from the admin's name"),
            new Variable("SM_READ_ONLY_PASSWORD", "none", "that read-only user's password"),
            new Variable("SM_BROKER_TIMEOUT_SECONDS", "60", "connect and read timeout for calls to brokers, 1 to "
                    + "1000000"),
            new Variable("SM_NOTIFICATION_RETENTION_HOURS", "12", "how long notifications for the Service Broker "
                    + "Proxies are kept"),
            new Variable("SM_OPERATIONS_POLL_SECONDS", "4", "wait between last_operation polls when the broker sends "
                    + "no Retry-After"),
            new Variable("SM_OPERATIONS_RETRY_SECONDS", "10", "first wait before an orphan mitigation is retried "
                    + "(doubling, up to 10 minutes)"),
            new Variable("SM_OPERATIONS_MAX_POLLING_MINUTES", "1440", "longest an asynchronous operation is polled (a "
                    + "plan's maximum_polling_duration may shorten it)"),
            new Variable("SM_OPERATIONS_RETENTION_DAYS", "7", "how long finished operations are kept"),
            new Variable("SM_DATA_DIR", "./sm-data", "where the H2 database and the generated key file live "
                    + "(owner-only)"),
            new Variable("SM_STORAGE", "h2, or postgresql if SM_JDBC_URL is set", "h2, postgresql or memory (nothing "
                    + "kept after a stop)"),
            new Variable("SM_JDBC_URL", "none", "PostgreSQL, e.g. jdbc:postgresql://db:5432/sm (pooled with "
                    + "HikariCP)"),
            new Variable("SM_JDBC_USERNAME", "none", "PostgreSQL user name"),
            new Variable("SM_JDBC_PASSWORD", "none", "PostgreSQL password"),
            new Variable("SM_ENCRYPTION_KEY", "generated file", "base64 of 32 random bytes; encrypts broker "
                    + "credentials at rest (else a key file in SM_DATA_DIR)"),
            new Variable("SM_TLS_CERT_FILE", "none", "PEM certificate (chain, server's first): serve HTTPS; needs "
                    + "SM_TLS_KEY_FILE"),
            new Variable("SM_TLS_KEY_FILE", "none", "PEM private key of that certificate (PKCS#8 RSA or EC, or "
                    + "PKCS#1 RSA)"),
            new Variable("SM_BROKER_TRUST_FILE", "none", "PEM certificates trusted, beside the JDK's roots, when "
                    + "calling brokers (and an OIDC issuer) over https"),
            new Variable("SM_FAILED_LOGIN_LIMIT", "10", "wrong credentials allowed per user name and source address "
                    + "in one window, then 429; 0 switches the limit off"),
            new Variable("SM_FAILED_LOGIN_WINDOW_SECONDS", "60", "the length of that window, 1 to 86400"),
            new Variable("SM_PUBLIC_URL", "http(s)://SM_HOST:PORT", "the base URL clients use (e.g. behind a proxy); "
                    + "the built-in token issuer is this plus /oauth"),
            new Variable("SM_TOKEN_ISSUER", "on", "on or off: the built-in token issuer under /oauth (smctl login)"),
            new Variable("SM_TOKEN_TTL_SECONDS", "900", "lifetime of the built-in issuer's access tokens, 60 to "
                    + "86400"),
            new Variable("SM_TOKEN_ALGORITHM", "RS256", "RS256 or ES256: the algorithm of the issuer's signing key"),
            new Variable("SM_TOKEN_CLIENTS", "none", "client-credentials clients of the built-in issuer, "
                    + "id:secret:role,... with role admin or read-only"),
            new Variable("SM_OIDC_ISSUER_URL", "none", "accept the tokens of this external OpenID Connect issuer "
                    + "instead of the built-in one's"),
            new Variable("SM_OIDC_AUDIENCE", "none", "required with SM_OIDC_ISSUER_URL: the aud tokens must carry "
                    + "(comma-separated values)"),
            new Variable("SM_OIDC_SCOPE_PREFIX", "service_manager", "scopes <prefix>.admin and <prefix>.read give the "
                    + "roles"),
            new Variable("SM_OIDC_TENANT_CLAIM", "none", "with SM_OIDC_ISSUER_URL and SM_TENANT_LABEL_KEY: the token "
                    + "claim naming the caller's tenant (e.g. zid); tokens without it are global"),
            new Variable("SM_TENANT_LABEL_KEY", "none", "turns multitenancy on: records belong to the tenant named by "
                    + "this label (e.g. tenant_id); a tenant caller sees only its own"),
            new Variable("SM_PROTECTED_LABELS", "none", "comma-separated label keys only global administrators may "
                    + "set, change or remove"),
            new Variable("SM_METRICS", "off", "off, or prometheus: Prometheus text at GET /metrics for operators "
                    + "(admin or read-only credentials)"),
            new Variable("SM_LOG_FORMAT", "text", "text, or json: one JSON object per line "
                    + "(timestamp, level, logger, message, thread, mdc, throwable)"),
            new Variable("SM_LOG_LEVEL", "info", "error, warn, info, debug or trace; debug also prints the "
                    + "stack trace of a failed start"));

    private StandaloneVariables() {
    }

    /**
     * Whether {@code SM_LOG_FORMAT} asks for JSON.
     *
     * @throws StandaloneServer.ConfigurationException when it is neither {@code text} nor {@code json}
     */
    static boolean jsonLogs(Map<String, String> env) {
        String value = env.get("SM_LOG_FORMAT");
        if (value == null || value.isBlank() || value.trim().equalsIgnoreCase("text")) {
            return false;
        }
        if (value.trim().equalsIgnoreCase("json")) {
            return true;
        }
        throw new StandaloneServer.ConfigurationException("SM_LOG_FORMAT must be text or json, was '" + value + "'");
    }

    /**
     * The level {@code SM_LOG_LEVEL} names, lower case, {@code info} by default.
     *
     * @throws StandaloneServer.ConfigurationException when it names no level
     */
    static String logLevel(Map<String, String> env) {
        String value = env.get("SM_LOG_LEVEL");
        if (value == null || value.isBlank()) {
            return "info";
        }
        String level = value.trim().toLowerCase(Locale.ROOT);
        if (!List.of("error", "warn", "info", "debug", "trace").contains(level)) {
            throw new StandaloneServer.ConfigurationException("SM_LOG_LEVEL must be error, warn, info, debug or "
                    + "trace, was '" + value + "'");
        }
        return level;
    }

    /** Whether a failed start should show its stack trace as well: at debug or trace, not by default. */
    static boolean verbose(Map<String, String> env) {
        try {
            String level = logLevel(env);
            return level.equals("debug") || level.equals("trace");
        } catch (StandaloneServer.ConfigurationException e) {
            return false;
        }
    }

    /** Prints the usage and every variable, with its default and meaning, for {@code --help}. */
    static void printHelp(PrintStream out) {
        out.println("Usage: java -jar sm-standalone.jar [--help | --version]");
        out.println();
        out.println("Starts the Service Manager (" + StandaloneVersion.line() + ").");
        out.println("It is configured by these environment variables:");
        for (Variable variable : ALL) {
            out.println();
            out.println("  " + variable.name() + "  (default: " + variable.defaultValue() + ")");
            out.println("      " + variable.meaning());
        }
        out.println();
        out.println("Exit codes: 1 could not start (e.g. the port is taken), 2 bad configuration or argument;");
        out.println("a failure is one line on standard error. SIGTERM stops the server gracefully.");
        out.flush();
    }
}
