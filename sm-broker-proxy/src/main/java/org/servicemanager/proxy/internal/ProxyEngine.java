package org.servicemanager.proxy.internal;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.servicemanager.proxy.PlatformException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the proxy: one engine thread owns the model, the reconciler and the connection state; the
 * WebSocket's callbacks only hand frames and closings to it, in order. So every platform change
 * happens on that thread, one at a time, and a notification is applied only after the ones before
 * it.
 *
 * <p>Connecting: with {@code last_notification_revision} when the last applied revision is known,
 * else without it followed by a full resync (the stream then carries every change after the
 * upgrade, and applying one the resync already saw changes nothing). A 410 forgets the revision
 * and reconnects at once without it; any other failure or a closed connection reconnects after a
 * capped, jittered backoff.
 *
 * <p>The JDK's {@link WebSocket} does not expose the upgrade response's headers, so the proxy cannot
 * read {@code last_notification_revision} or {@code max_ping_period} from them: it learns the
 * revision from the first notification after a resync, and pings at its configured interval, which
 * must stay below the Service Manager's {@code max_ping_period} (60 s by default).
 *
 * <p>Thread-safe: public methods may be called from any thread.
 */
public final class ProxyEngine {
    private static final Logger LOG = LoggerFactory.getLogger("org.servicemanager.proxy");
    /** How often the engine checks for due pings and resyncs against its clock. */
    private static final Duration TICK = Duration.ofMillis(200);

    /** Everything the engine needs, validated by the public builder. */
    public record Settings(URI notificationsUri, String authorization, Duration pingInterval, Duration resyncInterval,
                           Duration connectTimeout, Clock clock, Backoff backoff) {
    }

    private final HttpClient http;
    private final SmClient smClient;
    private final Reconciler reconciler;
    private final Settings settings;
    private final ScheduledExecutorService worker;
    private final SmModel model = new SmModel();
    private final Object progress = new Object();

    // Owned by the engine thread.
    private WebSocket socket;
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

    public ProxyEngine(HttpClient http, SmClient smClient, Reconciler reconciler, Settings settings) {
        this.http = Objects.requireNonNull(http, "http");
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
        CompletableFuture<WebSocket> future;
        try {
            future = http.newWebSocketBuilder().connectTimeout(settings.connectTimeout())
                    .header("Authorization", settings.authorization()).buildAsync(uri, new Listener(gen));
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        future.whenComplete((ws, error) -> run(() -> connected(gen, from, ws, error)));
    }

    private void connected(long gen, long from, WebSocket ws, Throwable error) {
        if (closed || gen != generation) {
            if (ws != null) {
                ws.abort();
            }
            return;
        }
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof WebSocketHandshakeException handshake && handshake.getResponse().statusCode() == 410
                    && from >= 0) {
                LOG.info("The Service Manager no longer has the notifications after revision {} (410); "
                        + "resyncing fully", from);
                lastApplied = -1;
                run(this::connect);
                return;
            }
            String why = cause instanceof WebSocketHandshakeException handshake
                    ? "answered " + handshake.getResponse().statusCode() : cause.toString();
            reconnectLater("cannot connect to " + settings.notificationsUri() + ": " + why);
            return;
        }
        socket = ws;
        connected = true;
        connectAttempts = 0;
        nextPing = settings.clock().instant().plus(settings.pingInterval());
        LOG.info("Connected to the Service Manager's notifications{}",
                from < 0 ? "" : " after revision " + from);
        if (from < 0) {
            String correlationId = UUID.randomUUID().toString();
            if (!resync(correlationId)) {
                drop();
                reconnectLater("the resync failed");
                return;
            }
        }
        ws.request(1);
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
            socket.request(1);
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
        socket.request(1);
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
        WebSocket ws = socket;
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
        WebSocket ws = socket;
        if (ws != null && !now.isBefore(nextPing)) {
            nextPing = now.plus(settings.pingInterval());
            long gen = generation;
            ws.sendPing(ByteBuffer.allocate(0)).whenComplete((w, error) -> {
                if (error != null) {
                    run(() -> disconnected(gen, "ping failed: " + error));
                }
            });
        }
        if (!now.isBefore(resyncDue)) {
            // Periodic, or brought forward by a platform failure. The stream goes on meanwhile.
            resyncDue = Instant.MAX;
            if (!resync(UUID.randomUUID().toString())) {
                resyncDue = now.plus(settings.backoff().delay(Math.min(failedReconciles++, 30)));
            }
        }
    }

    private void run(Runnable task) {
        if (closed) {
            return;
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
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closing.
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
                WebSocket ws = socket;
                socket = null;
                connected = false;
                if (ws != null) {
                    ws.sendClose(WebSocket.NORMAL_CLOSURE, "proxy closing").orTimeout(1, TimeUnit.SECONDS)
                            .whenComplete((w, e) -> ws.abort());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Never started.
        }
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
    private final class Listener implements WebSocket.Listener {
        private final long gen;
        private final StringBuilder text = new StringBuilder();

        Listener(long gen) {
            this.gen = gen;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            // No request(1) here: the engine asks for the first frame once a resync is done.
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                run(() -> frame(gen, message));
            } else {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            if (last) {
                run(() -> frame(gen, "<binary frame>"));
            } else {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            run(() -> disconnected(gen, "closed by the Service Manager (" + statusCode + " " + reason + ")"));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            run(() -> disconnected(gen, "connection failed: " + error));
        }
    }
}
