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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.servicemanager.proxy.PlatformException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the proxy: one engine thread owns the model, the reconciler and the connection state; the
 * WebSocket's listener only hands messages and closings to it, in order. So every platform change
 * happens on that thread, one at a time, and a notification is applied only after the ones before
 * it.
 *
 * <p>The stream is the JDK's {@link WebSocket}, which does not show the upgrade answer's headers.
 * So when the proxy does not know its revision (at start, after a 410, after a bad message) it asks
 * {@code GET /v1/notifications} without an upgrade for the newest revision R and the ping period,
 * resyncs fully from the REST API, and then opens the stream with
 * {@code last_notification_revision=R}: whatever was committed during the resync is replayed, and
 * applying a change the resync already saw changes nothing. From then on it always knows its
 * revision, so reconnecting after a quiet spell needs no resync. A 410 on opening forgets the
 * revision and starts over, at once the first time; a 410 again before the stream opened (the
 * backlog outgrew the Service Manager's queue during the resync) waits for the backoff like any
 * other failure, so that the proxy does not run full resyncs back to back. Any other failure or a
 * closed connection reconnects after a capped, jittered backoff.
 *
 * <p>Pings go out every third of {@code max_ping_period}, timed by the injected clock; three ping
 * periods without anything from the Service Manager (it answers every ping) end the connection.
 * The listener reads ahead only up to a bound (4 Mi characters of messages waiting for the
 * engine), then asks the socket for nothing more until the engine catches up, so a slow platform
 * never makes the proxy buffer the stream without bound.
 *
 * <p>Thread-safe: public methods may be called from any thread.
 */
public final class ProxyEngine {
    private static final Logger LOG = LoggerFactory.getLogger("org.servicemanager.proxy");
    /** How often the engine checks for due pings, silence and resyncs against its clock. */
    private static final Duration TICK = Duration.ofMillis(200);
    /** The Service Manager's default, for an answer without {@code max_ping_period}. */
    private static final Duration DEFAULT_MAX_PING_PERIOD = Duration.ofSeconds(60);
    /** How many ping periods of silence end a connection. */
    private static final int SILENT_PERIODS = 3;
    /** A longer message is no notification; it ends the connection like a bad one. */
    private static final int MAX_MESSAGE_CHARS = 16 * 1024 * 1024;
    /** How many characters of messages may wait for the engine before the proxy stops reading. */
    private static final long MAX_BUFFERED_CHARS = 4 * 1024 * 1024;
    private static final String REVISION_PARAMETER = "last_notification_revision";

    /**
     * Everything the engine needs, validated by the public builder. {@code startUri} is the
     * stream's endpoint for a {@code GET} without the upgrade ({@code http} for {@code ws},
     * {@code https} for {@code wss}).
     */
    public record Settings(URI notificationsUri, URI startUri, String authorization, Duration resyncInterval,
                           Duration connectTimeout, Clock clock, Backoff backoff, HttpClient httpClient) {
    }

    private final ExecutorService connector;
    private final SmClient smClient;
    private final Reconciler reconciler;
    private final Settings settings;
    private final URI startUri;
    private final ScheduledExecutorService worker;
    private final SmModel model = new SmModel();
    private final Object progress = new Object();

    // Owned by the engine thread.
    private Listener current;
    private Duration maxPingPeriod = DEFAULT_MAX_PING_PERIOD;
    private long generation;
    private int connectAttempts;
    /** 410s since the stream last opened. */
    private int goneInARow;
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
        this.startUri = settings.startUri();
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "sm-broker-proxy");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        // A reconnect scheduled minutes ahead must not hold up close().
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.worker = executor;
        // Asking for the newest revision blocks; it must not hold up the engine thread.
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
        if (lastApplied >= 0) {
            open(gen, lastApplied);
            return;
        }
        String correlationId = UUID.randomUUID().toString();
        LOG.debug("Asking {} for the newest revision (correlation_id={})", startUri, correlationId);
        CompletableFuture<SmClient.StreamStart> future;
        try {
            future = CompletableFuture.supplyAsync(() -> {
                try {
                    return smClient.streamStart(startUri, correlationId, DEFAULT_MAX_PING_PERIOD);
                } catch (SmClient.SmReadException e) {
                    throw new CompletionException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CompletionException(e);
                }
            }, connector);
        } catch (RejectedExecutionException e) {
            return;
        }
        future.whenComplete((start, error) -> run(() -> startKnown(gen, correlationId, start, error)));
    }

    /** The newest revision is known (or could not be learnt): resync, then open the stream after it. */
    private void startKnown(long gen, String correlationId, SmClient.StreamStart start, Throwable error) {
        if (closed || gen != generation) {
            return;
        }
        if (error != null) {
            Throwable cause = unwrap(error);
            int status = cause instanceof SmClient.SmReadException e ? e.status() : 0;
            if (status == 401 || status == 403) {
                LOG.warn("The Service Manager refuses the platform's credentials ({} at {}); check the platform "
                        + "user and password", status, startUri);
            } else if (connectAttempts == 0) {
                // Not in line and the stream is down (maybe only the stream): bring the platform in
                // line from the REST API meanwhile, once per streak of failures; the periodic resync
                // follows if the streak lasts.
                resync(UUID.randomUUID().toString());
            }
            reconnectLater("cannot ask " + startUri + " for the newest revision: " + cause.getMessage());
            return;
        }
        maxPingPeriod = start.maxPingPeriod();
        LOG.info("The Service Manager's newest notification revision is {} (max ping period {} ms); resyncing fully",
                start.lastNotificationRevision(), maxPingPeriod.toMillis());
        if (!resync(correlationId)) {
            reconnectLater("the resync failed");
            return;
        }
        // The resync read everything committed up to this revision; the stream replays what came after.
        lastApplied = start.lastNotificationRevision();
        signal();
        open(gen, start.lastNotificationRevision());
    }

    private void open(long gen, long from) {
        URI uri = URI.create(settings.notificationsUri() + "?" + REVISION_PARAMETER + "=" + from);
        LOG.debug("Connecting to {}", uri);
        Listener listener = new Listener(gen);
        CompletableFuture<WebSocket> future;
        try {
            future = settings.httpClient().newWebSocketBuilder()
                    .connectTimeout(settings.connectTimeout())
                    .header("Authorization", settings.authorization())
                    .buildAsync(uri, listener);
        } catch (RuntimeException e) {
            reconnectLater("cannot connect to " + settings.notificationsUri() + ": " + e);
            return;
        }
        future.whenComplete((ws, error) -> {
            if (!run(() -> opened(gen, from, listener, ws, error)) && ws != null) {
                ws.abort();
            }
        });
    }

    private void opened(long gen, long from, Listener listener, WebSocket ws, Throwable error) {
        if (closed || gen != generation) {
            if (ws != null) {
                ws.abort();
            }
            return;
        }
        if (error != null) {
            Throwable cause = unwrap(error);
            int status = cause instanceof WebSocketHandshakeException refused ? refused.getResponse().statusCode() : 0;
            if (status == 410) {
                lastApplied = -1;
                if (goneInARow++ == 0) {
                    LOG.info("The Service Manager no longer has the notifications after revision {} (410); "
                            + "resyncing fully", from);
                    run(this::connect);
                } else {
                    reconnectLater("the Service Manager no longer has the notifications after revision " + from
                            + " (410, " + goneInARow + " in a row); resyncing fully");
                }
                return;
            }
            if (status == 401 || status == 403) {
                LOG.warn("The Service Manager refuses the platform's credentials for the notification stream ({}); "
                        + "check the platform user and password", status);
            }
            reconnectLater("cannot connect to " + settings.notificationsUri() + ": "
                    + (status != 0 ? "the upgrade was answered " + status : String.valueOf(cause.getMessage())));
            return;
        }
        Instant now = settings.clock().instant();
        listener.socket = ws;
        listener.heard(now);
        current = listener;
        connected = true;
        connectAttempts = 0;
        goneInARow = 0;
        nextPing = now.plus(pingInterval());
        LOG.info("Connected to the Service Manager's notifications after revision {}", from);
    }

    private Duration pingInterval() {
        return maxPingPeriod.dividedBy(3);
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
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

    /** A whole message from the stream; reading resumes if it had stopped for the buffer. */
    private void message(long gen, Listener listener, String text) {
        try {
            frame(gen, text);
        } finally {
            if (listener.applied(text.length()) && !closed && gen == generation) {
                // Applying took engine time, not the Service Manager's: silence counts from now.
                listener.heard(settings.clock().instant());
                listener.socket.request(1);
            }
        }
    }

    private void frame(long gen, String text) {
        if (closed || gen != generation) {
            return;
        }
        Notification notification;
        try {
            notification = Notification.parse(text);
        } catch (Notification.BadNotificationException e) {
            resyncAfterBadMessage(gen, text.length() + " characters: " + e.getMessage());
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

    private void ping(Listener listener) {
        long gen = listener.gen;
        listener.socket.sendPing(ByteBuffer.allocate(0)).whenComplete((ws, error) -> {
            if (error != null) {
                run(() -> disconnected(gen, "ping failed: " + unwrap(error)));
            }
        });
    }

    private void resyncAfterBadMessage(long gen, String what) {
        if (closed || gen != generation) {
            return;
        }
        LOG.warn("Ignoring a bad notification ({}) after revision {}; resyncing fully", what, lastApplied);
        lastApplied = -1;
        drop();
        run(this::connect);
    }

    private void disconnected(long gen, String why) {
        if (closed || gen != generation) {
            return;
        }
        drop();
        reconnectLater(why);
    }

    private void reconnectLater(String why) {
        current = null;
        connected = false;
        Duration delay = settings.backoff().delay(Math.min(connectAttempts++, 30));
        LOG.info("Notifications: {}; reconnecting in {} ms", why, delay.toMillis());
        generation++;
        worker.schedule(this::connect, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Forgets the current connection; callbacks of it are ignored from now on. */
    private void drop() {
        Listener listener = current;
        current = null;
        connected = false;
        generation++;
        if (listener != null && listener.socket != null) {
            listener.socket.abort();
        }
    }

    private void tick() {
        if (closed) {
            return;
        }
        Instant now = settings.clock().instant();
        Listener listener = current;
        if (listener != null) {
            Duration silence = maxPingPeriod.multipliedBy(SILENT_PERIODS);
            if (!listener.paused() && !now.isBefore(listener.lastHeard.plus(silence))) {
                drop();
                reconnectLater("the Service Manager was silent for " + silence.toMillis() + " ms");
            } else if (!now.isBefore(nextPing)) {
                nextPing = now.plus(pingInterval());
                ping(listener);
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
                Listener listener = current;
                current = null;
                connected = false;
                WebSocket ws = listener == null ? null : listener.socket;
                if (ws != null) {
                    // The close handshake runs on the HTTP client's threads; the TCP connection goes
                    // once the close is sent, or after a second at most.
                    ws.sendClose(WebSocket.NORMAL_CLOSURE, "proxy closing").orTimeout(1, TimeUnit.SECONDS)
                            .whenComplete((done, error) -> ws.abort());
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

    /**
     * One connection's listener: reassembles messages sent in parts and hands each whole one, and
     * the closing, to the engine thread, in order. It reads ahead while less than
     * {@link #MAX_BUFFERED_CHARS} of messages wait for the engine, and stops reading (asks the
     * socket for nothing more) once they reach it, until the engine catches up: a slow platform
     * makes the Service Manager's writes wait, not the proxy's memory grow. It does not stop after
     * every message because the JDK's socket does not notice the connection closing while it is
     * not asked for anything (seen on JDK 17); a proxy that keeps reading sees a cut at once.
     * The socket calls it on one thread at a time.
     */
    private final class Listener implements WebSocket.Listener {
        private final long gen;
        private final StringBuilder parts = new StringBuilder();
        /** Set once the socket is open. */
        private volatile WebSocket socket;
        /** When the Service Manager was last heard from, by the engine's clock. */
        private volatile Instant lastHeard = Instant.MIN;
        /** Characters handed to the engine and not applied yet. Guarded by this. */
        private long buffered;
        /** Whether reading stopped because {@link #buffered} reached the bound. Guarded by this. */
        private boolean paused;
        private boolean tooLong;

        Listener(long gen) {
            this.gen = gen;
        }

        void heard(Instant when) {
            lastHeard = when;
        }

        private void heard() {
            heard(settings.clock().instant());
        }

        /** Silence does not count while the socket is not read. */
        synchronized boolean paused() {
            return paused;
        }

        /** A message of {@code chars} goes to the engine; true when reading may go on. */
        private synchronized boolean handOver(long chars) {
            buffered += chars;
            paused = buffered >= MAX_BUFFERED_CHARS;
            return !paused;
        }

        /** The engine applied a message of {@code chars}; true when reading must resume. */
        synchronized boolean applied(long chars) {
            buffered -= chars;
            if (paused && buffered < MAX_BUFFERED_CHARS) {
                paused = false;
                return true;
            }
            return false;
        }

        private void deliver(WebSocket webSocket, String text) {
            boolean more = handOver(text.length());
            run(() -> message(gen, this, text));
            if (more) {
                webSocket.request(1);
            }
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            // Messages may reach the engine before the opening does; they need the socket to ask for more.
            socket = webSocket;
            heard();
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            heard();
            if (!tooLong && parts.length() + data.length() > MAX_MESSAGE_CHARS) {
                tooLong = true;
                parts.setLength(0);
                // Queued before the abort, so the engine sees this reason first.
                run(() -> resyncAfterBadMessage(gen, "a message of more than " + MAX_MESSAGE_CHARS + " characters"));
                webSocket.abort();
            }
            if (tooLong) {
                return null;
            }
            parts.append(data);
            if (!last) {
                webSocket.request(1);
                return null;
            }
            String text = parts.toString();
            parts.setLength(0);
            deliver(webSocket, text);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            heard();
            if (!last) {
                webSocket.request(1);
                return null;
            }
            // The stream never sends binary messages: treated as a bad notification.
            deliver(webSocket, "<binary message>");
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            // The socket answers with a pong itself.
            heard();
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            heard();
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
