package org.servicemanager.proxy.internal;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.servicemanager.proxy.PlatformException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the proxy: one engine thread owns the model, the reconciler and the connection state; the
 * socket's reading thread only hands messages and closings to it, in order. So every platform
 * change happens on that thread, one at a time, and a notification is applied only after the ones
 * before it.
 *
 * <p>Connecting: with {@code last_notification_revision} when the last applied revision is known;
 * else without it, followed by a full resync, after which the upgrade answer's
 * {@code last_notification_revision} header is the last applied revision (the resync read
 * everything committed before the upgrade; the stream carries what came after, and applying a
 * change the resync already saw changes nothing). Reading starts only after that resync. A 410
 * forgets the revision and reconnects at once without it; any other failure or a closed
 * connection reconnects after a capped, jittered backoff. Pings go out every third of the
 * upgrade answer's {@code max_ping_period}.
 *
 * <p>Thread-safe: public methods may be called from any thread.
 */
public final class ProxyEngine {
    private static final Logger LOG = LoggerFactory.getLogger("org.servicemanager.proxy");
    /** How often the engine checks for due pings and resyncs against its clock. */
    private static final Duration TICK = Duration.ofMillis(200);
    /** The Service Manager's default, for an upgrade answer without the header. */
    private static final Duration DEFAULT_MAX_PING_PERIOD = Duration.ofSeconds(60);

    /** Everything the engine needs, validated by the public builder. */
    public record Settings(URI notificationsUri, String authorization, Duration resyncInterval,
                           Duration connectTimeout, Clock clock, Backoff backoff, SSLContext sslContext) {
    }

    private final ExecutorService connector;
    private final SmClient smClient;
    private final Reconciler reconciler;
    private final Settings settings;
    private final ScheduledExecutorService worker;
    private final SmModel model = new SmModel();
    private final Object progress = new Object();

    // Owned by the engine thread.
    private NotificationSocket socket;
    private Duration pingInterval = DEFAULT_MAX_PING_PERIOD.dividedBy(3);
    private long generation;
    private int connectAttempts;
    private int failedReconciles;
    private Instant nextPing = Instant.MAX;
    private Instant resyncDue = Instant.MAX;

    // Read from any thread.
    private volatile boolean closed;
    private volatile boolean started;
    private volatile long lastApplied = -1;
    private volatile long resyncs;
    private volatile boolean connected;

    public ProxyEngine(SmClient smClient, Reconciler reconciler, Settings settings) {
        this.smClient = Objects.requireNonNull(smClient, "smClient");
        this.reconciler = Objects.requireNonNull(reconciler, "reconciler");
        this.settings = Objects.requireNonNull(settings, "settings");
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "sm-broker-proxy");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        // A reconnect scheduled minutes ahead must not hold up close().
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.worker = executor;
        // Opening a socket blocks (connect, TLS, upgrade); it must not hold up the engine thread.
        this.connector = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sm-broker-proxy-connect");
            t.setDaemon(true);
            return t;
        });
    }

    /** Connects and resyncs in the background; returns at once. Only once. */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("the proxy is closed");
        }
        if (started) {
            throw new IllegalStateException("the proxy is started already");
        }
        started = true;
        worker.execute(this::connect);
        worker.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    public long lastAppliedRevision() {
        return lastApplied;
    }

    public long completedResyncs() {
        return resyncs;
    }

    public boolean connected() {
        return connected;
    }

    /** Waits until the last applied revision is at least {@code revision}; false on timeout. */
    public boolean awaitRevision(long revision, Duration timeout) throws InterruptedException {
        return await(() -> lastApplied >= revision, timeout);
    }

    /** Waits until at least {@code count} full resyncs have completed; false on timeout. */
    public boolean awaitResyncs(long count, Duration timeout) throws InterruptedException {
        return await(() -> resyncs >= count, timeout);
    }

    private boolean await(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(progress, left);
            }
            return true;
        }
    }

    private void signal() {
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    private void connect() {
        if (closed) {
            return;
        }
        long gen = ++generation;
        long from = lastApplied;
        URI uri = from < 0 ? settings.notificationsUri()
                : URI.create(settings.notificationsUri() + "?last_notification_revision=" + from);
        LOG.debug("Connecting to {}", uri);
        CompletableFuture<NotificationSocket> future;
        try {
            future = CompletableFuture.supplyAsync(() -> {
                try {
                    return NotificationSocket.open(uri, Map.of("Authorization", settings.authorization()),
                            settings.connectTimeout(), settings.sslContext());
                } catch (IOException e) {
                    throw new CompletionException(e);
                }
            }, connector);
        } catch (RejectedExecutionException e) {
            return;
        }
        future.whenComplete((ws, error) -> {
            if (!run(() -> connected(gen, from, ws, error)) && ws != null) {
                ws.abort();
            }
        });
    }

    private void connected(long gen, long from, NotificationSocket ws, Throwable error) {
        if (closed || gen != generation) {
            if (ws != null) {
                ws.abort();
            }
            return;
        }
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof NotificationSocket.HandshakeRejected rejected && rejected.status() == 410 && from >= 0) {
                LOG.info("The Service Manager no longer has the notifications after revision {} (410); "
                        + "resyncing fully", from);
                lastApplied = -1;
                run(this::connect);
                return;
            }
            if (from < 0 && connectAttempts == 0) {
                // Not in line and the stream is down (maybe only the stream): bring the platform in
                // line from the REST API meanwhile, once per streak of failures; the periodic resync
                // follows if the streak lasts.
                resync(UUID.randomUUID().toString());
            }
            reconnectLater("cannot connect to " + settings.notificationsUri() + ": " + cause.getMessage());
            return;
        }
        socket = ws;
        connected = true;
        connectAttempts = 0;
        Duration maxPingPeriod = millis(ws.header("max_ping_period").orElse(null), DEFAULT_MAX_PING_PERIOD);
        pingInterval = maxPingPeriod.dividedBy(3);
        nextPing = settings.clock().instant().plus(pingInterval);
        long newest = ws.header("last_notification_revision").map(ProxyEngine::revision).orElse(-1L);
        LOG.info("Connected to the Service Manager's notifications{} (newest revision {}, max ping period {} ms)",
                from < 0 ? "" : " after revision " + from, newest, maxPingPeriod.toMillis());
        if (from < 0) {
            String correlationId = UUID.randomUUID().toString();
            if (!resync(correlationId)) {
                drop();
                reconnectLater("the resync failed");
                return;
            }
            if (newest >= 0) {
                lastApplied = newest;
                signal();
            }
        }
        try {
            // Silence of three ping periods means the Service Manager is gone: it answers each ping.
            ws.startReading(new Listener(gen), maxPingPeriod.multipliedBy(3), "sm-broker-proxy-stream");
        } catch (IOException e) {
            drop();
            reconnectLater("cannot read the stream: " + e.getMessage());
        }
    }

    private static Duration millis(String header, Duration fallback) {
        try {
            long ms = header == null ? -1 : Long.parseLong(header.trim());
            return ms > 0 ? Duration.ofMillis(ms) : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static Long revision(String header) {
        try {
            long value = Long.parseLong(header.trim());
            return value >= 0 ? value : -1L;
        } catch (NumberFormatException e) {
            return -1L;
        }
    }

    /** A full read of the SM and a reconcile of everything. False if the SM could not be read. */
    private boolean resync(String correlationId) {
        Instant now = settings.clock().instant();
        SmClient.State state;
        try {
            state = smClient.read(correlationId);
        } catch (SmClient.SmReadException e) {
            LOG.warn("Resync failed, cannot read the Service Manager (correlation_id={}): {}", correlationId,
                    e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        model.replace(state.brokers(), state.visibilities());
        int failures = reconcileSafely(() -> reconciler.reconcileAll(model, correlationId), correlationId);
        LOG.info("Resync done: {} brokers, {} visibilities from the Service Manager, {} platform failures "
                + "(correlation_id={})", state.brokers().size(), state.visibilities().size(), failures, correlationId);
        afterReconcile(failures, now.plus(settings.resyncInterval()));
        resyncs++;
        signal();
        return true;
    }

    private int reconcileSafely(java.util.function.IntSupplier reconcile, String correlationId) {
        try {
            return reconcile.getAsInt();
        } catch (PlatformException e) {
            LOG.warn("The platform failed (correlation_id={}): {}", correlationId, e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            LOG.error("Reconciling failed (correlation_id={})", correlationId, e);
            return 1;
        }
    }

    /**
     * Platform failures bring the next full resync forward, backing off while they go on.
     * {@code regularResync} is when the next periodic one is due after a resync, null after a
     * notification.
     */
    private void afterReconcile(int failures, Instant regularResync) {
        Instant next = regularResync != null ? regularResync : resyncDue;
        if (failures == 0) {
            failedReconciles = 0;
            resyncDue = next;
            return;
        }
        Instant retry = settings.clock().instant().plus(settings.backoff().delay(Math.min(failedReconciles++, 30)));
        resyncDue = retry.isBefore(next) ? retry : next;
    }

    private void frame(long gen, String text) {
        if (closed || gen != generation) {
            return;
        }
        Notification notification;
        try {
            notification = Notification.parse(text);
        } catch (Notification.BadNotificationException e) {
            LOG.warn("Ignoring a bad notification ({} characters) after revision {}: {}; resyncing fully",
                    text.length(), lastApplied, e.getMessage());
            lastApplied = -1;
            drop();
            run(this::connect);
            return;
        }
        if (notification.revision() <= lastApplied) {
            LOG.debug("Skipping notification {} (revision {}), applied already", notification.id(),
                    notification.revision());
            return;
        }
        String correlationId = notification.correlationId();
        int failures = reconcileSafely(() -> {
            var affected = notification.change().apply(model);
            return reconciler.reconcile(model, affected, correlationId);
        }, correlationId);
        afterReconcile(failures, null);
        lastApplied = notification.revision();
        LOG.debug("Applied notification {} (revision {}, correlation_id={})", notification.id(),
                notification.revision(), correlationId);
        signal();
    }

    private void disconnected(long gen, String why) {
        if (closed || gen != generation) {
            return;
        }
        socket = null;
        connected = false;
        reconnectLater(why);
    }

    private void reconnectLater(String why) {
        socket = null;
        connected = false;
        Duration delay = settings.backoff().delay(Math.min(connectAttempts++, 30));
        LOG.info("Notifications: {}; reconnecting in {} ms", why, delay.toMillis());
        generation++;
        worker.schedule(this::connect, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Forgets the current connection; callbacks of it are ignored from now on. */
    private void drop() {
        NotificationSocket ws = socket;
        socket = null;
        connected = false;
        generation++;
        if (ws != null) {
            ws.abort();
        }
    }

    private void tick() {
        if (closed) {
            return;
        }
        Instant now = settings.clock().instant();
        NotificationSocket ws = socket;
        if (ws != null && !now.isBefore(nextPing)) {
            nextPing = now.plus(pingInterval);
            try {
                ws.sendPing();
            } catch (IOException e) {
                drop();
                reconnectLater("ping failed: " + e.getMessage());
            }
        }
        if (!now.isBefore(resyncDue)) {
            // Periodic, or brought forward by a platform failure. The stream goes on meanwhile.
            resyncDue = Instant.MAX;
            if (!resync(UUID.randomUUID().toString())) {
                resyncDue = now.plus(settings.backoff().delay(Math.min(failedReconciles++, 30)));
            }
        }
    }

    /** Queues a task for the engine thread; false when the engine is closed. */
    private boolean run(Runnable task) {
        if (closed) {
            return false;
        }
        try {
            worker.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    // Never let one failure stop the engine thread's loop.
                    LOG.error("Unexpected failure in the broker proxy", e);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Closes the connection and stops the engine thread; waits up to {@code timeout} for it. */
    public void close(Duration timeout) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            worker.execute(() -> {
                NotificationSocket ws = socket;
                socket = null;
                connected = false;
                if (ws != null) {
                    ws.close(1000, "proxy closing");
                }
            });
        } catch (RejectedExecutionException e) {
            // Never started.
        }
        connector.shutdownNow();
        worker.shutdown();
        try {
            if (!worker.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
        signal();
    }

    /** Hands everything to the engine thread, in the order the socket delivers it. */
    private final class Listener implements NotificationSocket.Handler {
        private final long gen;

        Listener(long gen) {
            this.gen = gen;
        }

        @Override
        public void onText(String text) {
            run(() -> frame(gen, text));
        }

        @Override
        public void onBinary() {
            run(() -> frame(gen, "<binary message>"));
        }

        @Override
        public void onClosed(int code, String reason) {
            run(() -> disconnected(gen, "closed by the Service Manager (" + code + " " + reason + ")"));
        }

        @Override
        public void onFailed(IOException error) {
            run(() -> disconnected(gen, "connection failed: " + error.getMessage()));
        }
    }
}
