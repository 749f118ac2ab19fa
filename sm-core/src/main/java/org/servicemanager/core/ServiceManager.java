package org.servicemanager.core;

import com.github.benmanes.caffeine.cache.Ticker;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.UUID;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.SecretCipher;
import org.servicemanager.api.store.Store;
import org.servicemanager.api.security.BearerTokenVerifier;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.security.UserCredentials;
import org.servicemanager.core.security.TokenIssuer;
import org.servicemanager.core.internal.broker.BrokerClient;
import org.servicemanager.core.internal.catalog.CatalogParser;
import org.servicemanager.core.internal.http.Access;
import org.servicemanager.core.internal.http.AccessPolicy;
import org.servicemanager.core.internal.http.AuditLog;
import org.servicemanager.core.internal.http.Dispatcher;
import org.servicemanager.core.internal.http.ErrorMapper;
import org.servicemanager.core.internal.http.Handler;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.http.Router;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.notify.NotifyingStore;
import org.servicemanager.core.internal.operations.EngineOptions;
import org.servicemanager.core.internal.operations.OperationEngine;
import org.servicemanager.core.internal.operations.ServiceManagerPlatform;
import org.servicemanager.core.internal.osb.OsbRoutes;
import org.servicemanager.core.internal.osb.PlaceholderSweep;
import org.servicemanager.core.internal.registry.Context;
import org.servicemanager.core.internal.registry.PlatformView;
import org.servicemanager.core.internal.registry.RegistryRoutes;
import org.servicemanager.core.internal.revision.Revision;
import org.servicemanager.core.internal.revision.RevisionedStore;
import org.servicemanager.core.internal.tenancy.TenantLabels;
import org.servicemanager.core.internal.tenancy.Tenancy;
import org.servicemanager.core.internal.security.AesGcmCipher;
import org.servicemanager.core.internal.security.Authenticator;
import org.servicemanager.core.internal.security.FailedLoginLimit;
import org.servicemanager.core.internal.security.BrokerSecrets;
import org.servicemanager.core.internal.security.PasswordHasher;
import org.servicemanager.core.internal.security.Principal;
import org.servicemanager.core.internal.stream.NotificationHub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Service Manager: the registry and its REST API, served by {@link #handle} or
 * {@link #handleAsync} from any transport. Build one with {@link #builder()}; it is thread-safe
 * and meant to live as long as the host application.
 *
 * <pre>{@code
 * ServiceManager sm = ServiceManager.builder()
 *         .store(new MemoryStore())
 *         .adminUser("admin", "s3cret")
 *         .build();
 * SmResponse response = sm.handle(SmRequest.builder("GET", "/v1/platforms")
 *         .header("Authorization", "Basic YWRtaW46czNjcmV0").build());
 * }</pre>
 *
 * <p>This class only wires the parts together: the request pipeline is
 * {@code internal.http.Dispatcher}, who may do what is {@code internal.http.AccessPolicy}, and
 * the caches derived from the registry follow its writes through {@code RevisionedStore}.
 */
public final class ServiceManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceManager.class);
    private static final AtomicBoolean POOL_NOTED = new AtomicBoolean();

    private final Store store;
    private final long maxRequestBodyBytes;
    private final Dispatcher dispatcher;
    private final BrokerClient brokers;
    private final PlaceholderSweep placeholderSweep;
    /** Runs {@link #placeholderSweep}; one daemon thread, stopped by {@link #close()}. */
    private final ScheduledExecutorService sweeper;
    /** Notifications to the proxies connected to this node: polling, fan-out, clean-up, activity. */
    private final NotificationHub notificationHub;
    private final OperationEngine operations;
    /** Who may open a notification stream; the same policy the routes use. */
    private final AccessPolicy accessPolicy;
    /** {@code null} without a built-in issuer. */
    private final TokenIssuer tokenIssuer;
    private final List<Router.Route> routes;
    private final List<ServiceManagerMetrics.CacheStatistics> caches;

    private ServiceManager(Builder b) {
        noteCommonPool();
        this.store = b.store;
        this.maxRequestBodyBytes = b.maxRequestBodyBytes;
        Revision revision = new Revision(b.store);
        // Everything inside writes through this view, so every registry write moves the revision.
        // ... and every broker or visibility change appends its notification in the same transaction.
        // Committed notifications wake this node's hub at once (other nodes find them by polling).
        Store revisioned = new RevisionedStore(new NotifyingStore(b.store, b.clock, this::wakeNotificationHub),
                revision);
        Tenancy tenancy = Tenancy.of(b.tenantLabelKey, b.protectedLabels);
        // Operations and bindings get the tenant label of what they belong to, whichever path writes them.
        Store registry = tenancy.enabled() ? new TenantLabels(revisioned, tenancy) : revisioned;
        BearerTokenVerifier verifier = b.tokenIssuer != null ? b.tokenIssuer : b.bearerVerifier;
        Authenticator authenticator = new Authenticator(b.users, registry, revision, b.failedLoginLimit(), verifier);
        SecretCipher cipher = b.secretCipher();
        BrokerSecrets secrets = new BrokerSecrets(cipher);
        checkKey(b.store, secrets);
        this.brokers = new BrokerClient(b.brokerConnectTimeout, b.brokerReadTimeout,
                b.maxBrokerResponseBytes, b.trustManagers, b.metrics);
        // Broker notifications reach a platform cut down to the plans it may see (as REST and OSB do).
        this.notificationHub = new NotificationHub(b.store, b.clock, b.notificationQueueSize,
                b.maxNotificationStreamsPerPlatform, b.maxPingPeriod,
                b.notificationRetention, revision, new PlatformView(b.store, tenancy)::planIds,
                new PlatformView(b.store, tenancy)::usableBrokerIds);
        NotificationHub hub = notificationHub;
        Context ctx = new Context(registry, b.clock, brokers, secrets, b.ids, version(), revision,
                b.maxCatalogPlans, new Context.PlatformChanges() {
                    @Override
                    public void changed(String platformId) {
                        hub.platformChanged(platformId);
                    }

                    @Override
                    public void anyChanged() {
                        hub.platformsChanged();
                    }
                }, tenancy);
        ServiceManagerPlatform.ensure(ctx);
        Duration lease = b.operationLease != null ? b.operationLease : b.brokerReadTimeout.plus(Duration.ofMinutes(1));
        this.operations = new OperationEngine(ctx, new EngineOptions(b.operationsPollInterval,
                b.operationsRetryInterval, b.operationsMaxPollingDuration, b.operationRetention, lease,
                b.operationsInBackground), UUID.randomUUID().toString());
        Router router = new Router();
        RegistryRoutes.register(router, ctx, operations, verifier);
        this.placeholderSweep = OsbRoutes.register(router, ctx);
        this.tokenIssuer = b.tokenIssuer;
        if (tokenIssuer != null) {
            registerIssuerRoutes(router, tokenIssuer);
            tokenIssuer.start(issuerContext(registry, cipher, authenticator, b.clock));
        }
        this.accessPolicy = new AccessPolicy(authenticator, b.authenticationDisabled, tenancy.enabled());
        registerNotificationRoute(router, notificationHub, b.store, b.maxPingPeriod);
        if (b.metricsText != null) {
            registerMetricsRoute(router, b.metricsContentType, b.metricsText);
        }
        this.dispatcher = new Dispatcher(router, accessPolicy, b.maxRequestBodyBytes, b.metrics);
        this.routes = router.routes();
        this.caches = revision.caches();
        this.sweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sm-placeholder-sweep");
            thread.setDaemon(true);
            return thread;
        });
        long every = b.placeholderSweepInterval.toMillis();
        sweeper.scheduleWithFixedDelay(this::sweepQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    /** The methods the issuer's routes take: all it may answer (itself answering 400/405 to the wrong one). */
    private static final List<String> ISSUER_METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    /**
     * The issuer answers everything under its prefix, publicly, through the same dispatcher as any
     * route (correlation id, body limit, audit, error mapping).
     */
    private static void registerIssuerRoutes(Router router, TokenIssuer issuer) {
        String prefix = issuer.pathPrefix();
        Handler handler = Handler.sync(call -> issuer.handle(withCorrelationId(call.request(), call.correlationId())));
        for (String method : ISSUER_METHODS) {
            router.add(method, prefix, Access.PUBLIC, handler);
            router.add(method, prefix + "/{issuerPath...}", Access.PUBLIC, handler);
        }
    }

    /** The request as the issuer sees it: carrying the call's correlation id, for its audit lines. */
    private static SmRequest withCorrelationId(SmRequest request, String correlationId) {
        SmRequest.Builder copy = SmRequest.builder(request.method(), request.path())
                .query(request.rawQuery())
                .basePath(request.basePath())
                .body(request.body());
        request.headers().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("X-Correlation-ID")) {
                values.forEach(value -> copy.header(name, value));
            }
        });
        copy.header("X-Correlation-ID", correlationId);
        request.remoteAddress().ifPresent(copy::remoteAddress);
        return copy.build();
    }

    /** Checks a prefix the issuer chose: it must not shadow or be shadowed by the API's routes. */
    private static String checkPrefix(TokenIssuer issuer) {
        String prefix = issuer.pathPrefix();
        if (prefix == null || !prefix.matches("(/[A-Za-z0-9._~-]+)+") || prefix.equals("/v1")
                || prefix.startsWith("/v1/")) {
            throw new IllegalArgumentException("the token issuer's pathPrefix must be like /oauth (segments of "
                    + "letters, digits and ._~-, not under /v1), was '" + prefix + "'");
        }
        return prefix;
    }

    private static TokenIssuer.Context issuerContext(Store store, SecretCipher cipher, Authenticator authenticator,
                                                     Clock clock) {
        UserCredentials users = authenticator.userCredentials();
        return new TokenIssuer.Context() {
            @Override
            public Store store() {
                return store;
            }

            @Override
            public SecretCipher cipher() {
                return cipher;
            }

            @Override
            public UserCredentials users() {
                return users;
            }

            @Override
            public Clock clock() {
                return clock;
            }

            @Override
            public void audit(SmRequest request, String subject, String action, String outcome) {
                AuditLog.token(request, subject, action, outcome);
            }
        };
    }

    /** The route table, for tests that check a rule on every route. */
    List<Router.Route> routes() {
        return routes;
    }

    /**
     * {@code GET /v1/notifications} without a WebSocket upgrade (or through a transport that cannot
     * upgrade): the same checks as the upgrade (401, 403, 400, 410), then 200 with what the upgrade
     * answer's headers would say, as JSON and as the same headers. A client that cannot read the
     * upgrade answer's headers (the JDK's WebSocket client hides them) learns the newest revision and
     * the ping period here, and can probe whether a revision is still available.
     */
    /**
     * {@code GET /metrics} for operators (role admin, or read-only: it is a read and holds no
     * secret), through the same authentication as every route, so that a scraper needs credentials.
     */
    private static void registerMetricsRoute(Router router, String contentType, Supplier<String> text) {
        router.add("GET", METRICS_PATH, Access.ADMIN, Handler.sync(call -> SmResponse.builder(200)
                .header("Content-Type", contentType)
                .body(text.get().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .build()));
    }

    private static void registerNotificationRoute(Router router, NotificationHub hub, Store store,
                                                  Duration maxPingPeriod) {
        router.add("GET", "/v1/notifications", Access.PLATFORM, Handler.sync(call -> {
            String platformId = ((Principal.PlatformCaller) call.principal()).platformId();
            SmResponse gone = hub.check(platformId,
                    call.request().queryParameters().get("last_notification_revision"));
            if (gone != null) {
                return gone;
            }
            // Read after the check: never older than what the check compared the revision with.
            long newest = store.notifications().newestRevision();
            long ping = maxPingPeriod.toMillis();
            return Responses.jsonBuilder(200, Json.object().put("last_notification_revision", newest)
                            .put("max_ping_period", ping))
                    .header("last_notification_revision", Long.toString(newest))
                    .header("max_ping_period", Long.toString(ping))
                    .build();
        }));
    }

    private void sweepQuietly() {
        try {
            placeholderSweep.sweep();
        } catch (RuntimeException e) {
            // The next run tries again; a failing store must not end the schedule.
            LOG.warn("placeholder sweep failed: {}", e.toString());
        }
    }

    private static void noteCommonPool() {
        if (ForkJoinPool.getCommonPoolParallelism() < 2 && POOL_NOTED.compareAndSet(false, true)) {
            LOG.info("the common ForkJoinPool has one thread, so the JDK HttpClient starts a thread for every call to "
                    + "a broker; call JvmTuning.sizeCommonPool() first thing in main, or set -D{}=2",
                    JvmTuning.COMMON_POOL_PARALLELISM);
        }
    }

    /**
     * A wrong key must stop the start, not surface later as brokers that cannot be called: one
     * stored broker's secrets are opened as a check (the AES-GCM tag tells a wrong key for sure).
     */
    private static void checkKey(Store store, BrokerSecrets secrets) {
        List<ServiceBroker> sample = store.repository(EntityTypes.SERVICE_BROKERS)
                .list(Query.all(), PageRequest.first(1)).items();
        if (!sample.isEmpty()) {
            try {
                secrets.open(sample.get(0).credentials());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("the encryption key does not match the key the stored broker "
                        + "credentials were encrypted with (" + e.getMessage() + "); start with the original key");
            }
        }
    }

    /** Where {@link Builder#metricsEndpoint} serves its text. */
    public static final String METRICS_PATH = "/metrics";

    /**
     * Live views of the Service Manager's internal caches (look-ups answered from memory against
     * those that had to read the store or a broker), for metrics. Thread-safe.
     */
    public List<ServiceManagerMetrics.CacheStatistics> cacheStatistics() {
        return caches;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The running library's version, from the jar manifest ({@code dev} when run from classes). */
    public static String version() {
        String version = ServiceManager.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }

    /**
     * The store this Service Manager serves from, as the host gave it. Registry writes made
     * directly through it are seen by the Service Manager's caches only when their entries expire
     * (a minute at most), unless the store is clustered; and they write no notification for the
     * Service Broker Proxies.
     */
    public Store store() {
        return store;
    }

    /** Adapters stop reading a body beyond this size and answer 413. */
    public long maxRequestBodyBytes() {
        return maxRequestBodyBytes;
    }

    /** Serves a request and waits for the answer. Never throws for anything the request contains. */
    public SmResponse handle(SmRequest request) {
        return handleAsync(request).join();
    }

    /**
     * Serves a request. The future completes (never exceptionally) when the answer is ready; calls
     * that wait for a broker complete later, on a Service Manager thread meant for such
     * completions (never the HTTP client's I/O thread), so adapters may write the answer there
     * but should not block a server thread waiting for it.
     */
    public CompletableFuture<SmResponse> handleAsync(SmRequest request) {
        return dispatcher.dispatch(request);
    }

    /** The hub exists once the constructor is done; a write committed before that wakes nothing. */
    private void wakeNotificationHub() {
        NotificationHub hub = notificationHub;
        if (hub != null) {
            hub.wake();
        }
    }

    /**
     * Opens the notification stream that {@code GET /v1/notifications} asks for, for a transport that
     * upgrades it to a WebSocket (the servlet adapter does). The request is checked as the route
     * would be: platform credentials (none or wrong: 401; an administrator: 403), the query parameter
     * {@code last_notification_revision} (not one non-negative integer: 400), and whether the
     * notifications after it can still be delivered (410 Gone: newer than the newest revision, some
     * already removed, or more pending than a connection's queue holds; the client then resyncs and
     * reconnects without it). A refusal carries the answer to write instead of upgrading; an opened
     * stream carries the headers of the upgrade answer and already holds the notifications since
     * the requested revision. Never throws for anything the request contains.
     */
    public NotificationStream.Opening openNotificationStream(SmRequest request) {
        String correlationId = request.header("X-Correlation-ID")
                .filter(id -> id.matches("[A-Za-z0-9._:\\-]{1,128}"))
                .orElseGet(() -> UUID.randomUUID().toString());
        AtomicReference<Principal> known = new AtomicReference<>();
        try {
            Principal principal = accessPolicy.authorize(Access.PLATFORM, request, known::set);
            Principal.PlatformCaller caller = (Principal.PlatformCaller) principal;
            String platformId = caller.platformId();
            NotificationStream.Opening opening = notificationHub.open(platformId, caller.username(),
                    request.queryParameters().get("last_notification_revision"));
            if (opening instanceof NotificationStream.Refused refused) {
                return new NotificationStream.Refused(refused.response().withHeader("X-Correlation-ID", correlationId));
            }
            LOG.debug("notification stream of platform {} opened [{}]", platformId, correlationId);
            return opening;
        } catch (Throwable t) {
            SmResponse answer = ErrorMapper.toResponse(t, request.method() + " " + request.path() + " ["
                    + correlationId + "]");
            AuditLog.record(request, known.get(), null, answer.status(), correlationId);
            return new NotificationStream.Refused(answer.withHeader("X-Correlation-ID", correlationId));
        }
    }

    /** How many notification streams (proxy WebSockets) are open on this node. */
    public int openNotificationStreams() {
        return notificationHub.openStreams();
    }

    /**
     * Closes now (1008) the open notification streams of this node whose platform was deleted or
     * whose user name was retired (the platform authenticated with regenerated credentials),
     * wherever that happened. This runs on its own every 30 seconds, and at once for a deletion or
     * regeneration through this node; call it to run it at once (tests, operators).
     *
     * @return how many streams were closed
     */
    public int recheckNotificationStreams() {
        return notificationHub.recheckAll();
    }

    /**
     * Removes now the notifications older than {@link Builder#notificationRetention}, in batches.
     * This runs on its own every few minutes; call it to run it at once (tests, operators).
     *
     * @return how many were removed
     */
    public int cleanUpNotifications() {
        return notificationHub.cleanUp();
    }

    /**
     * Works at once every operation that is due by the clock and held by no node: polls, credential
     * fetches, orphan-mitigation retries, cascade steps; and waits for that work. The scheduler does
     * this on its own; tests with an injected clock call it after moving the clock.
     *
     * @return how many operations were worked
     */
    public int runDueOperations() {
        return operations.runDue();
    }

    /** The operations engine, for tests that start operations without the REST API. */
    OperationEngine operationEngine() {
        return operations;
    }

    /**
     * Removes now the finished operations older than the retention (never the last operation of a
     * resource that still exists). This runs on its own every few minutes.
     *
     * @return how many operations were removed
     */
    public int cleanUpOperations() {
        return operations.cleanUp();
    }

    /**
     * Resolves now the records that forwarded provisions and binds left behind without the broker's
     * answer (after a crash, say): each is made ready, kept as failed, or removed once the broker
     * confirms it holds nothing, asking the broker first (see README, "Placeholders"). This runs on
     * its own every {@link Builder#placeholderSweepInterval}; call it to run it at once.
     *
     * @return how many records were changed or removed
     */
    public int sweepPlaceholders() {
        return placeholderSweep.sweep();
    }

    /**
     * Stops the placeholder sweep (a sweep waiting for a broker is interrupted), the operations
     * scheduler (releasing this node's leases, so other nodes carry on at once) and the threads and
     * HTTP clients that call brokers, so that nothing of this Service Manager outlives it (a web
     * application can be redeployed without leaking its class loader). Calls still waiting for a
     * broker complete; new ones fail. The store belongs to the host, which closes it. Idempotent.
     */
    @Override
    public void close() {
        notificationHub.close();
        operations.close();
        sweeper.shutdownNow();
        try {
            if (!sweeper.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("the placeholder sweep did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        brokers.close();
        if (tokenIssuer != null) {
            try {
                tokenIssuer.close();
            } catch (RuntimeException e) {
                LOG.warn("the token issuer failed to close: {}", e.toString());
            }
        }
        LOG.debug("Service Manager closed");
    }

    /** Configures a {@link ServiceManager}. Fails fast on bad values. Not thread-safe. */
    public static final class Builder {
        private Store store;
        private final Map<String, Authenticator.User> users = new LinkedHashMap<>();
        private BearerTokenVerifier bearerVerifier;
        private TokenIssuer tokenIssuer;
        private boolean authenticationDisabled;
        private Clock clock = Clock.systemUTC();
        private Duration brokerConnectTimeout = Duration.ofSeconds(60);
        private Duration brokerReadTimeout = Duration.ofSeconds(60);
        private long maxRequestBodyBytes = 1024 * 1024;
        private int maxBrokerResponseBytes = 16 * 1024 * 1024;
        private int maxCatalogPlans = CatalogParser.DEFAULT_MAX_PLANS;
        private TrustManager[] trustManagers;
        private Supplier<String> ids = Context.randomIds();
        private SecretCipher secretCipher;
        private Duration placeholderSweepInterval = Duration.ofMinutes(1);
        private Duration notificationRetention = Duration.ofHours(12);
        private Duration maxPingPeriod = Duration.ofSeconds(60);
        private int notificationQueueSize = 1000;
        private int maxNotificationStreamsPerPlatform = 16;
        private Duration operationsPollInterval = Duration.ofSeconds(4);
        private Duration operationsRetryInterval = Duration.ofSeconds(10);
        private Duration operationsMaxPollingDuration = Duration.ofHours(24);
        private Duration operationRetention = Duration.ofDays(7);
        /** {@code null}: the broker read timeout plus a minute. */
        private Duration operationLease;
        private boolean operationsInBackground = true;
        private int failedLoginsPerWindow;
        private Duration failedLoginWindow;
        private ServiceManagerMetrics metrics = ServiceManagerMetrics.NONE;
        private String metricsContentType;
        private Supplier<String> metricsText;
        private String tenantLabelKey;
        private Set<String> protectedLabels = Set.of();

        private Builder() {
        }

        /**
         * Turns multitenancy on: records belong to the tenant named by their label {@code key} (for
         * example {@code tenant_id}). A caller's tenant is what its bearer token says
         * ({@link org.servicemanager.api.security.VerifiedToken#tenant()}) or, for a platform, the value
         * of {@code key} in its labels; Basic users and platforms without the label are global. A tenant
         * caller sees, changes and deletes only its own tenant's platforms, brokers, visibilities,
         * instances, bindings and operations (another tenant's by id: 404), its creates get the label,
         * and it cannot change it. Offerings and plans of global brokers are everyone's. Off by default;
         * while off, a bearer token that names a tenant is refused (403) rather than treated as global.
         */
        public Builder tenantLabelKey(String key) {
            Objects.requireNonNull(key, "key");
            checkLabelKey("tenantLabelKey", key);
            this.tenantLabelKey = key;
            return this;
        }

        /**
         * Label keys that only global administrators (no tenant) may set, change or remove; for
         * anyone else such a change is a 400 naming the key. With multitenancy on, the tenant label
         * is always protected from tenants. Without multitenancy every administrator allowed in is
         * global (tokens naming a tenant are refused), so the list then refuses nobody. Empty by default.
         */
        public Builder protectedLabels(Set<String> keys) {
            Objects.requireNonNull(keys, "keys");
            for (String key : keys) {
                checkLabelKey("protectedLabels", Objects.requireNonNull(key, "a protected label key"));
            }
            this.protectedLabels = Set.copyOf(keys);
            return this;
        }

        private static void checkLabelKey(String what, String key) {
            if (key.isEmpty() || key.length() > 100 || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f
                    && c != '=' && c != ',' && c != '\'' && c != '"' && c != '(' && c != ')')) {
                throw new IllegalArgumentException(what + ": '" + key + "' is not a label key (1 to 100 visible "
                        + "ASCII characters, no '=', ',', quotes or parentheses)");
            }
        }

        /**
         * Reports requests (by route pattern and status) and broker calls to {@code metrics}, and
         * hands it the built Service Manager once ({@link ServiceManagerMetrics#bind}). The default,
         * {@link ServiceManagerMetrics#NONE}, does not even read the clock.
         */
        public Builder metrics(ServiceManagerMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * Serves {@code text} (e.g. a Prometheus registry's scrape) at {@code GET /metrics} to
         * operators: the admin role, or read-only. Off unless called.
         *
         * @param contentType the answer's Content-Type, e.g. Prometheus' text format 0.0.4
         * @param text        called once per scrape, from a request thread
         */
        public Builder metricsEndpoint(String contentType, Supplier<String> text) {
            this.metricsContentType = Objects.requireNonNull(contentType, "contentType");
            this.metricsText = Objects.requireNonNull(text, "text");
            return this;
        }

        /** The storage backend (required). The host owns it and closes it. */
        public Builder store(Store store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Adds an administrator with HTTP Basic credentials. The password is hashed here (PBKDF2) and
         * not kept in clear. The same as {@code user(username, password, Role.ADMIN)}.
         */
        public Builder adminUser(String username, String password) {
            return user(username, password, Role.ADMIN);
        }

        /**
         * Adds an administrator by a password hash made earlier by this library
         * ({@code pbkdf2-sha256$iterations$salt$hash}), so the host never handles the clear password.
         */
        public Builder adminUserWithHash(String username, String passwordHash) {
            return userWithHash(username, passwordHash, Role.ADMIN);
        }

        /**
         * Adds an operator with HTTP Basic credentials and a role: {@link Role#ADMIN} may do
         * everything, {@link Role#READ_ONLY} only {@code GET}/{@code HEAD} where administrators may.
         * The password is hashed here (PBKDF2) and not kept in clear. A user name may be given once.
         */
        public Builder user(String username, String password, Role role) {
            checkUser(username, role);
            Objects.requireNonNull(password, "password");
            if (password.isEmpty()) {
                throw new IllegalArgumentException("the password of user '" + username + "' must not be empty");
            }
            users.put(username, Authenticator.User.withPassword(username, password, role));
            return this;
        }

        /** Like {@link #user}, by a hash from {@link #hashPassword}. */
        public Builder userWithHash(String username, String passwordHash, Role role) {
            checkUser(username, role);
            Objects.requireNonNull(passwordHash, "passwordHash");
            if (!passwordHash.startsWith("pbkdf2-sha256$") || passwordHash.split("\\$").length != 4) {
                throw new IllegalArgumentException("the password hash of user '" + username
                        + "' must have the form pbkdf2-sha256$<iterations>$<salt>$<hash>");
            }
            users.put(username, Authenticator.User.withHash(passwordHash, role));
            return this;
        }

        /** Hashes a password for {@link #adminUserWithHash} and {@link #userWithHash}. */
        public static String hashPassword(String password) {
            return PasswordHasher.hash(Objects.requireNonNull(password, "password"), PasswordHasher.ADMIN_ITERATIONS);
        }

        /**
         * Like {@link #hashPassword(String)} with {@code iterations} PBKDF2 iterations instead of the
         * production strength (600,000, about a third of a second per hash). Only for tests and
         * low-value secrets: fewer iterations make a stolen hash cheaper to guess. The test fixture
         * uses it so that each Service Manager it starts does not pay for a strong hash.
         *
         * @throws IllegalArgumentException if {@code iterations} is not positive
         */
        public static String hashPassword(String password, int iterations) {
            Objects.requireNonNull(password, "password");
            if (iterations < 1) {
                throw new IllegalArgumentException("iterations must be positive, was " + iterations);
            }
            return PasswordHasher.hash(password, iterations);
        }

        private void checkUser(String username, Role role) {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(role, "role");
            if (username.isBlank() || username.contains(":")) {
                throw new IllegalArgumentException("user name must be non-blank and without ':', was '"
                        + username + "'");
            }
            if (users.containsKey(username)) {
                throw new IllegalArgumentException("user '" + username + "' is configured twice");
            }
        }

        /**
         * Accepts {@code Authorization: Bearer} tokens checked by {@code verifier} (an external OpenID
         * Connect issuer's, say): a valid token's scopes give its role. {@code GET /v1/info} then
         * names the issuer ({@code token_issuer_url}, {@code token_basic_auth}) for clients such as
         * smctl. Platforms still authenticate with Basic. Not together with {@link #tokenIssuer}.
         */
        public Builder bearerTokens(BearerTokenVerifier verifier) {
            this.bearerVerifier = Objects.requireNonNull(verifier, "verifier");
            return this;
        }

        /**
         * Serves a built-in token issuer under its {@link TokenIssuer#pathPrefix()} (public routes)
         * and accepts the tokens it issues, as with {@link #bearerTokens}. It is started while the
         * Service Manager is built and closed with it. Not together with {@link #bearerTokens}.
         */
        public Builder tokenIssuer(TokenIssuer issuer) {
            this.tokenIssuer = Objects.requireNonNull(issuer, "issuer");
            return this;
        }

        /**
         * Treats every caller without credentials as an administrator. For local experiments only;
         * the OSB face still requires platform credentials.
         */
        public Builder disableAuthentication() {
            this.authenticationDisabled = true;
            return this;
        }

        /**
         * Limits failed logins (off by default): once a user name from one source address, or a
         * source address as a whole (IPv6: its /64), had {@code perWindow} wrong or unusable
         * credentials within {@code window}, only one credential check per interval
         * ({@code window / perWindow}, at least a second) is made for it; other attempts meanwhile
         * are answered 429 with {@code Retry-After} before any password is hashed. A client that
         * honours {@code Retry-After} still gets in with the right password, a guesser gets one
         * guess per interval, and the same user from other addresses is not affected (a user name is
         * never refused as a whole, which would let anyone lock it out). Timed by {@link #clock}; at
         * most 100,000 pairs, addresses and user names each are remembered.
         *
         * @param perWindow at least 1
         * @param window    between 1 second and 1 day
         */
        public Builder failedLoginLimit(int perWindow, Duration window) {
            if (perWindow < 1) {
                throw new IllegalArgumentException("failedLoginLimit perWindow must be at least 1, was " + perWindow);
            }
            Objects.requireNonNull(window, "window");
            if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("failedLoginLimit window must be between 1 second and 1 day, was "
                        + window);
            }
            this.failedLoginsPerWindow = perWindow;
            this.failedLoginWindow = window;
            return this;
        }

        private FailedLoginLimit failedLoginLimit() {
            if (failedLoginWindow == null) {
                return null;
            }
            Clock timer = clock;
            // The system clock can step back; the monotonic ticker cannot. A host's own clock
            // (tests, mostly) is followed so that it can move the windows.
            Ticker ticker = timer.equals(Clock.systemUTC()) ? Ticker.systemTicker()
                    : () -> TimeUnit.MILLISECONDS.toNanos(timer.millis());
            return new FailedLoginLimit(failedLoginsPerWindow, failedLoginWindow, FailedLoginLimit.DEFAULT_MAX_KEYS,
                    ticker, LoggerFactory.getLogger(FailedLoginLimit.class)::warn);
        }

        /** The clock for timestamps (default: the system UTC clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How long to wait for a broker's TCP/TLS connection (default 60 s). */
        public Builder brokerConnectTimeout(Duration timeout) {
            this.brokerConnectTimeout = positive(timeout, "brokerConnectTimeout");
            return this;
        }

        /** How long to wait for a broker's answer (default 60 s). */
        public Builder brokerReadTimeout(Duration timeout) {
            this.brokerReadTimeout = positive(timeout, "brokerReadTimeout");
            return this;
        }

        private static Duration positive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
            return value;
        }

        /**
         * How often the records that forwarded creates left without the broker's answer are
         * resolved (default 1 minute). A record is looked at once its call cannot still run: older
         * than the broker read timeout plus a minute, or at once when the store is not clustered
         * and this process is not forwarding it.
         */
        public Builder placeholderSweepInterval(Duration interval) {
            this.placeholderSweepInterval = positive(interval, "placeholderSweepInterval");
            return this;
        }

        /**
         * How long notifications are kept for proxies that reconnect (default 12 hours); older ones
         * are removed every few minutes, by one node at a time. A proxy that asks for notifications
         * already removed gets 410 and resyncs fully.
         */
        public Builder notificationRetention(Duration retention) {
            this.notificationRetention = positive(retention, "notificationRetention");
            return this;
        }

        /**
         * How long a notification WebSocket may stay silent (default 60 s): the client pings at least
         * this often (it learns the value from the {@code max_ping_period} header), and a connection
         * silent for longer is closed.
         */
        public Builder maxPingPeriod(Duration period) {
            this.maxPingPeriod = positive(period, "maxPingPeriod");
            return this;
        }

        /**
         * How many notifications may wait for one notification WebSocket (default 1000). A client
         * slower than that loses its connection and resyncs; one asking for a larger backlog gets
         * 410. Nobody else ever waits for a slow client.
         */
        public Builder notificationQueueSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("notificationQueueSize must be at least 1, was " + size);
            }
            this.notificationQueueSize = size;
            return this;
        }

        /**
         * How many notification WebSockets one platform may have open on one node at once (default
         * 16; a platform normally runs one proxy, a few while one replaces another). One more is
         * refused with 429 and {@code Retry-After}.
         */
        public Builder maxNotificationStreamsPerPlatform(int streams) {
            if (streams < 1) {
                throw new IllegalArgumentException("maxNotificationStreamsPerPlatform must be at least 1, was "
                        + streams);
            }
            this.maxNotificationStreamsPerPlatform = streams;
            return this;
        }

        /**
         * How long to wait between two {@code last_operation} polls of an asynchronous operation when
         * the broker sends no {@code Retry-After} (default 4 s); after 10 polls the wait doubles every
         * 10 polls, up to 16 times this.
         */
        public Builder operationsPollInterval(Duration interval) {
            this.operationsPollInterval = positive(interval, "operationsPollInterval");
            return this;
        }

        /**
         * The first wait before an orphan mitigation (or a credential fetch) is tried again (default
         * 10 s); it doubles with every failed attempt, up to 10 minutes (or this, if longer).
         */
        public Builder operationsRetryInterval(Duration interval) {
            this.operationsRetryInterval = positive(interval, "operationsRetryInterval");
            return this;
        }

        /**
         * The longest an asynchronous operation is polled before it fails (default 24 hours); a plan's
         * {@code maximum_polling_duration} may make it shorter. A create that runs out is deleted
         * at the broker (orphan mitigation).
         */
        public Builder operationsMaxPollingDuration(Duration duration) {
            this.operationsMaxPollingDuration = positive(duration, "operationsMaxPollingDuration");
            return this;
        }

        /**
         * How long finished operations are kept (default 7 days); the last operation of an instance or
         * binding that still exists is kept regardless.
         */
        public Builder operationRetention(Duration retention) {
            this.operationRetention = positive(retention, "operationRetention");
            return this;
        }

        /**
         * How long a node holds an operation it works on before other nodes may take it over
         * (default: the broker read timeout plus a minute); must be greater than the broker read
         * timeout.
         */
        public Builder operationLease(Duration lease) {
            this.operationLease = positive(lease, "operationLease");
            return this;
        }

        /**
         * Whether this node works operations on its own threads (default true). False leaves them to
         * {@link ServiceManager#runDueOperations()}: for tests on an injected clock.
         */
        public Builder operationsInBackground(boolean background) {
            this.operationsInBackground = background;
            return this;
        }

        /** The largest request body accepted (default 1 MiB); larger ones get 413. */
        public Builder maxRequestBodyBytes(long bytes) {
            if (bytes < 1 || bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("maxRequestBodyBytes must be between 1 and " + Integer.MAX_VALUE
                        + ", was " + bytes);
            }
            this.maxRequestBodyBytes = bytes;
            return this;
        }

        /** The largest broker answer read (default 16 MiB); larger ones fail with 502. */
        public Builder maxBrokerResponseBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxBrokerResponseBytes must be at least 1024, was " + bytes);
            }
            this.maxBrokerResponseBytes = bytes;
            return this;
        }

        /**
         * The most plans a broker's catalog may have (default 10,000); registering or refreshing a
         * broker with more is refused (400) before anything is stored. Every offering has a plan,
         * so this bounds offerings too.
         */
        public Builder maxCatalogPlans(int plans) {
            if (plans < 1) {
                throw new IllegalArgumentException("maxCatalogPlans must be at least 1, was " + plans);
            }
            this.maxCatalogPlans = plans;
            return this;
        }

        /** Which certificates to trust when calling brokers over https (default: the JVM's). */
        public Builder brokerTrustStore(KeyStore trustStore) {
            Objects.requireNonNull(trustStore, "trustStore");
            try {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trustStore);
                this.trustManagers = tmf.getTrustManagers();
            } catch (NoSuchAlgorithmException | KeyStoreException e) {
                throw new IllegalArgumentException("brokerTrustStore cannot be used: " + e.getMessage(), e);
            }
            return this;
        }

        /**
         * The AES-256 key (32 bytes) that encrypts broker credentials before they reach the store.
         * Required with a persistent store; a non-persistent one gets a random key per process.
         */
        public Builder encryptionKey(byte[] key) {
            this.secretCipher = AesGcmCipher.of(key);
            return this;
        }

        /** Encrypts broker credentials with the host's own cipher (e.g. a key management service). */
        public Builder secretCipher(SecretCipher cipher) {
            this.secretCipher = Objects.requireNonNull(cipher, "cipher");
            return this;
        }

        private SecretCipher secretCipher() {
            if (secretCipher != null) {
                return secretCipher;
            }
            if (store.supportsPersistence()) {
                throw new IllegalStateException("a persistent store needs an encryption key for broker "
                        + "credentials: call encryptionKey(...) with 32 bytes kept by the host");
            }
            // Nothing outlives the process with a memory store, so a key that dies with it is enough.
            return AesGcmCipher.of(AesGcmCipher.randomKey());
        }

        /** Generates entity ids (default: random UUIDs). */
        public Builder idGenerator(Supplier<String> ids) {
            this.ids = Objects.requireNonNull(ids, "ids");
            return this;
        }

        public ServiceManager build() {
            if (store == null) {
                throw new IllegalStateException("a store is required: call store(...)");
            }
            // Before anything starts a thread: a node must still hold an operation when the broker's answer arrives.
            if (operationLease != null && operationLease.compareTo(brokerReadTimeout) <= 0) {
                throw new IllegalStateException("operationLease (" + operationLease + ") must be greater than "
                        + "brokerReadTimeout (" + brokerReadTimeout + ")");
            }
            if (bearerVerifier != null && tokenIssuer != null) {
                throw new IllegalStateException("bearerTokens(...) and tokenIssuer(...) exclude each other: an "
                        + "external issuer's verifier or the built-in issuer, not both");
            }
            if (tokenIssuer != null) {
                checkPrefix(tokenIssuer);
            }
            if (users.isEmpty() && bearerVerifier == null && tokenIssuer == null && !authenticationDisabled) {
                throw new IllegalStateException("at least one user is required (adminUser(...) or user(...)), "
                        + "bearer tokens (bearerTokens(...) or tokenIssuer(...)), or call disableAuthentication()");
            }
            ServiceManager built = new ServiceManager(this);
            try {
                metrics.bind(built);
            } catch (RuntimeException e) {
                built.close();
                throw e;
            }
            return built;
        }
    }
}
