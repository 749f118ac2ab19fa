package org.servicemanager.brokerproxy;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The proxy's configuration, read from environment variables by {@link #fromEnvironment}. Every
 * value is checked there, so that a bad one stops the process at start with one line that names
 * the variable and the value (never the value of a secret), not later in the background.
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code SM_URL}</td><td>required</td><td>the Service Manager's base URL, http or https</td></tr>
 * <tr><td>{@code SM_PLATFORM_USERNAME}, {@code SM_PLATFORM_PASSWORD}</td><td>required</td><td>the
 * credentials of the platform's registration in the Service Manager</td></tr>
 * <tr><td>{@code PROXY_PLATFORM}</td><td>{@code memory}</td><td>{@code memory} or {@code cf}</td></tr>
 * <tr><td>{@code PROXY_BROKER_PREFIX}</td><td>{@code sm-}</td><td>prefix of the broker names the proxy owns</td></tr>
 * <tr><td>{@code PROXY_RESYNC_INTERVAL}</td><td>{@code 12h}</td><td>a positive whole number with a
 * unit: {@code s}, {@code m}, {@code h} or {@code d}, e.g. {@code 90s}, {@code 30m}, {@code 12h};
 * from {@code 1s} to {@code 365d}</td></tr>
 * <tr><td>{@code CF_API_URL}</td><td>required with cf</td><td>the Cloud Controller</td></tr>
 * <tr><td>{@code CF_CLIENT_ID}, {@code CF_CLIENT_SECRET}</td><td>required with cf</td><td>a UAA client</td></tr>
 * <tr><td>{@code CF_TOKEN_URL}</td><td>from the API root</td><td>UAA's token endpoint</td></tr>
 * </table>
 *
 * <p>A variable set to an empty or blank value counts as unset. The {@code CF_} variables are
 * ignored in memory mode. Immutable and thread-safe; {@link #toString()} shows no secret.
 */
public final class ProxyConfig {
    /** The platform the proxy keeps in line. */
    public enum PlatformKind {
        /** {@link org.servicemanager.proxy.memory.InMemoryPlatform}: nothing outside the process; for trying things out. */
        MEMORY,
        /** {@link org.servicemanager.proxy.cf.CloudFoundryPlatform}. */
        CF
    }

    /**
     * The Cloud Foundry settings.
     *
     * @param apiUrl       the Cloud Controller
     * @param clientId     the UAA client
     * @param clientSecret its secret (never shown by {@link #toString()})
     * @param tokenUrl     UAA's token endpoint, or {@code null} to find it from the API root
     */
    public record CfSettings(URI apiUrl, String clientId, String clientSecret, URI tokenUrl) {
        public CfSettings {
            Objects.requireNonNull(apiUrl, "apiUrl");
            Objects.requireNonNull(clientId, "clientId");
            Objects.requireNonNull(clientSecret, "clientSecret");
        }

        @Override
        public String toString() {
            return "CfSettings[apiUrl=" + apiUrl + ", clientId=" + clientId + ", clientSecret=***, tokenUrl="
                    + (tokenUrl == null ? "(from the API root)" : tokenUrl) + "]";
        }
    }

    static final String DEFAULT_BROKER_PREFIX = "sm-";
    static final Duration DEFAULT_RESYNC_INTERVAL = Duration.ofHours(12);
    /** Longer makes no sense for a safety net, and keeps the proxy's clock arithmetic far from overflow. */
    static final Duration MAX_RESYNC_INTERVAL = Duration.ofDays(365);
    private static final Pattern INTERVAL = Pattern.compile("([0-9]{1,12})([smhd])");

    private final URI serviceManagerUrl;
    private final String platformUsername;
    private final String platformPassword;
    private final PlatformKind platform;
    private final String brokerPrefix;
    private final Duration resyncInterval;
    private final CfSettings cf;

    private ProxyConfig(URI serviceManagerUrl, String platformUsername, String platformPassword, PlatformKind platform,
            String brokerPrefix, Duration resyncInterval, CfSettings cf) {
        this.serviceManagerUrl = serviceManagerUrl;
        this.platformUsername = platformUsername;
        this.platformPassword = platformPassword;
        this.platform = platform;
        this.brokerPrefix = brokerPrefix;
        this.resyncInterval = resyncInterval;
        this.cf = cf;
    }

    /**
     * Reads and checks the configuration.
     *
     * @param env the environment, such as {@link System#getenv()}
     * @throws ConfigurationException naming the first bad or missing variable (and its value,
     *                                unless it is a secret)
     */
    public static ProxyConfig fromEnvironment(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        URI smUrl = url(env, "SM_URL", true);
        String username = required(env, "SM_PLATFORM_USERNAME");
        if (username.contains(":")) {
            // HTTP Basic cannot carry a user name with a colon.
            throw new ConfigurationException("SM_PLATFORM_USERNAME must not contain ':', was '" + username + "'");
        }
        String password = secret(env, "SM_PLATFORM_PASSWORD");
        PlatformKind platform = platform(value(env, "PROXY_PLATFORM"));
        String prefix = brokerPrefix(value(env, "PROXY_BROKER_PREFIX"));
        Duration resync = resyncInterval(value(env, "PROXY_RESYNC_INTERVAL"));
        CfSettings cf = null;
        if (platform == PlatformKind.CF) {
            URI apiUrl = url(env, "CF_API_URL", true);
            String clientId = required(env, "CF_CLIENT_ID");
            String clientSecret = secret(env, "CF_CLIENT_SECRET");
            URI tokenUrl = url(env, "CF_TOKEN_URL", false);
            cf = new CfSettings(apiUrl, clientId, clientSecret, tokenUrl);
        }
        return new ProxyConfig(smUrl, username, password, platform, prefix, resync, cf);
    }

    /** The Service Manager's base URL. */
    public URI serviceManagerUrl() {
        return serviceManagerUrl;
    }

    public String platformUsername() {
        return platformUsername;
    }

    public String platformPassword() {
        return platformPassword;
    }

    public PlatformKind platform() {
        return platform;
    }

    public String brokerPrefix() {
        return brokerPrefix;
    }

    public Duration resyncInterval() {
        return resyncInterval;
    }

    /** The Cloud Foundry settings; {@code null} unless the platform is {@link PlatformKind#CF}. */
    public CfSettings cf() {
        return cf;
    }

    /** For the start-up log line: every setting but the secrets. */
    @Override
    public String toString() {
        return "platform " + platform.name().toLowerCase(Locale.ROOT) + ", Service Manager " + serviceManagerUrl
                + " as " + platformUsername + ", broker prefix '" + brokerPrefix + "', resync every "
                + describe(resyncInterval)
                + (cf == null ? "" : ", Cloud Foundry API " + cf.apiUrl() + " as client " + cf.clientId()
                        + (cf.tokenUrl() == null ? "" : ", token URL " + cf.tokenUrl()));
    }

    /** {@code 12h}, {@code 90s}: the largest unit that divides the interval. */
    static String describe(Duration interval) {
        long seconds = interval.getSeconds();
        if (seconds % 86_400 == 0) {
            return seconds / 86_400 + "d";
        }
        if (seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        if (seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }

    /** The trimmed value, or {@code null} when unset or blank. */
    private static String value(Map<String, String> env, String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static String required(Map<String, String> env, String name) {
        String value = value(env, name);
        if (value == null) {
            throw new ConfigurationException(name + " is required");
        }
        return value;
    }

    /** A secret is taken as it is (spaces may belong to it) and never shown. */
    private static String secret(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isEmpty()) {
            throw new ConfigurationException(name + " is required");
        }
        return value;
    }

    private static URI url(Map<String, String> env, String name, boolean required) {
        String value = value(env, name);
        if (value == null) {
            if (required) {
                throw new ConfigurationException(name + " is required (an http or https URL)");
            }
            return null;
        }
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new ConfigurationException(name + " must be an http or https URL, was '" + value + "'");
        }
        if (uri.getRawUserInfo() != null) {
            // Not echoed: the user info may hold a password.
            throw new ConfigurationException(name + " must be an http or https URL without user info"
                    + (name.startsWith("SM_") ? " (the credentials go in SM_PLATFORM_USERNAME and SM_PLATFORM_PASSWORD)"
                            : ""));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw new ConfigurationException(name + " must be an http or https URL with a host and without query or "
                    + "fragment, was '" + value + "'");
        }
        return uri;
    }

    private static PlatformKind platform(String value) {
        if (value == null) {
            return PlatformKind.MEMORY;
        }
        switch (value.toLowerCase(Locale.ROOT)) {
            case "memory":
                return PlatformKind.MEMORY;
            case "cf":
                return PlatformKind.CF;
            default:
                throw new ConfigurationException("PROXY_PLATFORM must be memory or cf, was '" + value + "'");
        }
    }

    private static String brokerPrefix(String value) {
        if (value == null) {
            return DEFAULT_BROKER_PREFIX;
        }
        if (!value.chars().allMatch(c -> c > ' ' && c != 0x7f)) {
            throw new ConfigurationException("PROXY_BROKER_PREFIX must not contain spaces or control characters, was '"
                    + value + "'");
        }
        return value;
    }

    private static Duration resyncInterval(String value) {
        if (value == null) {
            return DEFAULT_RESYNC_INTERVAL;
        }
        Matcher m = INTERVAL.matcher(value);
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            // 12 digits of days stay far below Duration's limits.
            Duration interval = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
            if (amount > 0 && interval.compareTo(MAX_RESYNC_INTERVAL) <= 0) {
                return interval;
            }
        }
        throw new ConfigurationException("PROXY_RESYNC_INTERVAL must be a whole number followed by s, m, h or d "
                + "(such as 90s, 30m, 12h), from 1s to 365d, was '" + value + "'");
    }

    /** A configuration value is missing or invalid; the message names the variable and, unless secret, the value. */
    public static final class ConfigurationException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        ConfigurationException(String message) {
            super(message);
        }
    }
}
