package org.servicemanager.proxy;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.servicemanager.proxy.internal.Backoff;
import org.servicemanager.proxy.internal.ProxyEngine;
import org.servicemanager.proxy.internal.Reconciler;
import org.servicemanager.proxy.internal.SmClient;

/**
 * The Service Broker Proxy: keeps one platform's broker registrations and plan access in line with
 * a Service Manager.
 *
 * <pre>{@code
 * try (BrokerProxy proxy = BrokerProxy.builder()
 *         .serviceManager(URI.create("https://sm.example.com"), platformUser, platformPassword)
 *         .platform(new InMemoryPlatform())
 *         .build()) {
 *     proxy.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>On {@link #start()} it connects to the Service Manager's notification stream
 * ({@code /v1/notifications}), reads everything the platform may see (a full resync) and makes the
 * platform match: each Service Manager broker is registered as {@code <prefix><name>} with URL
 * {@code <sm>/v1/osb/<broker id>} and the platform's own credentials; registrations without the
 * prefix are never touched. Then it applies each notification as it comes, in revision order,
 * touching only the brokers it concerns. It resyncs fully again after a 410 from the stream, after
 * a bad notification, and every {@linkplain Builder#resyncInterval resync interval}; it reconnects
 * with capped exponential backoff and jitter. All work happens on one background thread.
 *
 * <p>Thread-safe.
 */
public final class BrokerProxy implements AutoCloseable {
    private final ProxyEngine engine;

    private BrokerProxy(ProxyEngine engine) {
        this.engine = engine;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts connecting and resyncing in the background; returns at once. Only once. */
    public BrokerProxy start() {
        engine.start();
        return this;
    }

    /**
     * The revision up to which the platform is in line with the Service Manager: that of the last
     * notification applied, or after a full resync the newest revision the Service Manager
     * announced just before it ({@code GET /v1/notifications} without an upgrade). -1 before the
     * first resync, and again from a 410 or a bad notification until the resync that follows.
     */
    public long lastAppliedRevision() {
        return engine.lastAppliedRevision();
    }

    /** How many full resyncs have completed (read the Service Manager and reconciled the platform). */
    public long completedResyncs() {
        return engine.completedResyncs();
    }

    /** Whether the notification stream is open now. */
    public boolean isConnected() {
        return engine.connected();
    }

    /**
     * Waits until the platform is in line up to this revision: a notification with it (or a later
     * one) has been applied, or a resync began after the Service Manager announced it. False when
     * {@code timeout} passed first. Only notifications for this platform or for all reach the
     * proxy, so a revision taken from the Service Manager's store is reached only if such a
     * notification carries it or a later one, or the stream reopens.
     */
    public boolean awaitRevision(long revision, Duration timeout) throws InterruptedException {
        return engine.awaitRevision(revision, Objects.requireNonNull(timeout, "timeout"));
    }

    /** Waits until at least {@code count} full resyncs have completed. False when {@code timeout} passed first. */
    public boolean awaitResyncs(long count, Duration timeout) throws InterruptedException {
        return engine.awaitResyncs(count, Objects.requireNonNull(timeout, "timeout"));
    }

    /** Closes the stream and stops the background thread (waiting up to 5 s for work in progress). */
    @Override
    public void close() {
        engine.close(Duration.ofSeconds(5));
    }

    /** Configures a proxy. Not thread-safe; {@link #build()} checks everything and copies it. */
    public static final class Builder {
        private URI serviceManager;
        private String username;
        private String password;
        private Platform platform;
        private String brokerPrefix = "sm-";
        private Duration resyncInterval = Duration.ofHours(12);
        private Duration backoffMin = Duration.ofSeconds(1);
        private Duration backoffMax = Duration.ofMinutes(1);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Clock clock = Clock.systemUTC();
        private RandomGenerator random = new Random();
        private HttpClient httpClient;
        private URI notificationsUri;

        private Builder() {
        }

        /**
         * The Service Manager's base URL ({@code http} or {@code https}, no query) and the platform's
         * credentials from its registration there (the proxy acts as that platform).
         */
        public Builder serviceManager(URI url, String platformUser, String platformPassword) {
            Objects.requireNonNull(url, "url");
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!url.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
                throw new IllegalArgumentException("serviceManager url must be an absolute http or https URL, was "
                        + url);
            }
            if (url.getRawQuery() != null || url.getRawFragment() != null) {
                throw new IllegalArgumentException("serviceManager url must have no query or fragment, was " + url);
            }
            if (platformUser == null || platformUser.isEmpty()) {
                throw new IllegalArgumentException("platformUser must not be empty, was "
                        + (platformUser == null ? "null" : "\"\""));
            }
            if (platformPassword == null || platformPassword.isEmpty()) {
                // The value itself is never shown.
                throw new IllegalArgumentException("platformPassword must not be empty");
            }
            // Lower case, so that what is derived from it (the stream's ws or wss) can go by its text.
            this.serviceManager = withScheme(url, scheme);
            this.username = platformUser;
            this.password = platformPassword;
            return this;
        }

        /**
         * Where the notification stream is, when not at the Service Manager's own
         * {@code /v1/notifications} (a separate WebSocket gateway; tests). {@code ws}, {@code wss},
         * {@code http} or {@code https}; the proxy adds {@code last_notification_revision} itself. It must
         * also answer a {@code GET} without the upgrade (the newest revision and the ping period).
         */
        public Builder notificationsUri(URI uri) {
            Objects.requireNonNull(uri, "uri");
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!uri.isAbsolute() || !List.of("ws", "wss", "http", "https").contains(scheme) || uri.getHost() == null
                    || uri.getRawQuery() != null) {
                throw new IllegalArgumentException("notificationsUri must be an absolute ws, wss, http or https URI "
                        + "without query, was " + uri);
            }
            this.notificationsUri = withScheme(uri, switch (scheme) {
                case "http" -> "ws";
                case "https" -> "wss";
                default -> scheme;
            });
            return this;
        }

        /** The URI with this scheme instead of its own (which may differ in case only), the rest as given. */
        private static URI withScheme(URI uri, String scheme) {
            return URI.create(scheme + uri.toString().substring(uri.getScheme().length()));
        }

        /** The platform to keep in line. */
        public Builder platform(Platform platform) {
            this.platform = Objects.requireNonNull(platform, "platform");
            return this;
        }

        /**
         * The prefix of the broker names the proxy owns (default {@code sm-}). It must not be empty:
         * the proxy removes every prefixed broker the Service Manager does not know.
         */
        public Builder brokerPrefix(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            if (prefix.isBlank()) {
                throw new IllegalArgumentException("brokerPrefix must not be blank (the proxy would own every broker), "
                        + "was \"" + prefix + "\"");
            }
            this.brokerPrefix = prefix;
            return this;
        }

        /** How often a full resync runs even when notifications flow (default 12 h). */
        public Builder resyncInterval(Duration interval) {
            this.resyncInterval = positive("resyncInterval", interval);
            return this;
        }

        /** Reconnect delays: the first about {@code min}, doubling, never above {@code max} (defaults 1 s, 1 min). */
        public Builder reconnectBackoff(Duration min, Duration max) {
            positive("reconnectBackoff min", min);
            positive("reconnectBackoff max", max);
            if (max.compareTo(min) < 0) {
                throw new IllegalArgumentException("reconnectBackoff max must not be below min, was min " + min
                        + ", max " + max);
            }
            this.backoffMin = min;
            this.backoffMax = max;
            return this;
        }

        /** Timeout of each REST request and of opening the stream (default 30 s). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive("requestTimeout", timeout);
            return this;
        }

        /** The clock that times pings and periodic resyncs (default the system clock, UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The source of the backoff's jitter (default a new {@link Random}). */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * The HTTP client for the REST reads and the notification stream (its WebSocket), e.g. with
         * a TLS context; default a new one.
         */
        public Builder httpClient(HttpClient client) {
            this.httpClient = Objects.requireNonNull(client, "client");
            return this;
        }

        /** Checks the settings and builds a proxy that has not started yet. */
        public BrokerProxy build() {
            if (serviceManager == null) {
                throw new IllegalStateException("serviceManager(url, platformUser, platformPassword) is required");
            }
            if (platform == null) {
                throw new IllegalStateException("platform(...) is required");
            }
            String base = serviceManager.toString().replaceAll("/+$", "");
            String authorization = "Basic " + Base64.getEncoder().encodeToString(
                    (username + ":" + password).getBytes(StandardCharsets.UTF_8));
            HttpClient http = httpClient != null ? httpClient
                    : HttpClient.newBuilder().connectTimeout(requestTimeout).build();
            SmClient smClient = new SmClient(http, base, authorization, requestTimeout, SmClient.MAX_PAGE_SIZE);
            Reconciler reconciler = new Reconciler(platform, brokerPrefix, base + "/v1/osb/", username, password);
            ProxyEngine.Settings settings = new ProxyEngine.Settings(streamUri(), streamStartUri(), authorization,
                    resyncInterval, requestTimeout, clock, new Backoff(backoffMin, backoffMax, random), http);
            return new BrokerProxy(new ProxyEngine(smClient, reconciler, settings));
        }

        /** The notification stream: the given URI, else the Service Manager's, with {@code ws} or {@code wss}. */
        URI streamUri() {
            if (notificationsUri != null) {
                return notificationsUri;
            }
            String base = serviceManager.toString().replaceAll("/+$", "");
            return withScheme(URI.create(base + "/v1/notifications"),
                    serviceManager.getScheme().equals("https") ? "wss" : "ws");
        }

        /** The stream's endpoint for a {@code GET} without the upgrade: {@code http} or {@code https}. */
        URI streamStartUri() {
            URI stream = streamUri();
            return withScheme(stream, stream.getScheme().equals("wss") ? "https" : "http");
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
            return value;
        }
    }
}
