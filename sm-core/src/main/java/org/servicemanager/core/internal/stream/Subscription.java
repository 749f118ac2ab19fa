package org.servicemanager.core.internal.stream;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.servicemanager.api.model.Notification;
import org.servicemanager.core.NotificationStream;

/**
 * One open stream: a bounded queue of frames, filled by the replay and then by the hub's poller,
 * and drained by the transport one frame at a time.
 *
 * <p>The replay and the live feed overlap on purpose: the subscription is registered with the hub
 * before the replay reads the log, so nothing committed meanwhile can fall between the two. While
 * the replay runs, live notifications wait in {@link #pending}; afterwards those the replay already
 * covered (revision at or below the last queued) are dropped, so none arrives twice or out of
 * order.
 *
 * <p>Nobody ever waits for the client: a full queue closes the stream (1008), and the transport is
 * handed a frame only when it has written the previous one. Thread-safe; every field below is
 * guarded by {@code this}.
 */
final class Subscription implements NotificationStream {
    /**
     * Close code (policy violation) for a client too slow for its queue (it resyncs and reconnects),
     * and for a stream whose platform was deleted or whose credentials were retired.
     */
    static final int OVERFLOW_CODE = 1008;
    /** Close code when the Service Manager stops. */
    static final int GOING_AWAY_CODE = 1001;

    private final NotificationHub hub;
    private final String platformId;
    /** The user name the stream was opened with: it stays open only while that name is valid. */
    private final String username;
    private final int capacity;
    private final Map<String, String> headers;
    private final Duration maxPingPeriod;

    /** A live notification that came during the replay: its revision and its frame for this platform. */
    private record Pending(long revision, String frame) {
    }

    private final ArrayDeque<String> queue = new ArrayDeque<>();
    /** Live notifications that came during the replay; {@code null} once it ended. */
    private List<Pending> pending = new ArrayList<>();
    /** The revision of the last notification queued (by replay or live). */
    private long lastQueued;
    private Sink sink;
    private boolean sending;
    /** Whether a thread is in {@link #pump()}; it sends until nothing can be sent. */
    private boolean pumping;
    /** Set when the stream ended; the close code and reason to give a sink that comes later. */
    private boolean ended;
    private int endCode;
    private String endReason;
    private boolean released;
    /** Set by {@link #end}: the hub and the sink are still to be told. */
    private boolean mustTell;

    Subscription(NotificationHub hub, String platformId, String username, long fromRevision, int capacity,
            Map<String, String> headers, Duration maxPingPeriod) {
        this.hub = hub;
        this.platformId = Objects.requireNonNull(platformId, "platformId");
        this.username = Objects.requireNonNull(username, "username");
        this.lastQueued = fromRevision;
        this.capacity = capacity;
        this.headers = Map.copyOf(headers);
        this.maxPingPeriod = maxPingPeriod;
    }

    @Override
    public Map<String, String> headers() {
        return headers;
    }

    @Override
    public String platformId() {
        return platformId;
    }

    /** The user name the platform authenticated with when it opened this stream. */
    String username() {
        return username;
    }

    @Override
    public Duration maxPingPeriod() {
        return maxPingPeriod;
    }

    /**
     * Queues one notification of the replay, as {@code frame} (made for this stream's platform);
     * they come in revision order.
     */
    void replayed(Notification n, String frame) {
        synchronized (this) {
            if (ended || n.revision() <= lastQueued) {
                return;
            }
            enqueue(n.revision(), frame);
        }
        afterEnd();
    }

    /** Ends the replay: the live notifications it did not cover follow. */
    void replayDone() {
        synchronized (this) {
            List<Pending> live = pending;
            pending = null;
            if (live != null) {
                for (Pending p : live) {
                    if (ended) {
                        break;
                    }
                    if (p.revision() > lastQueued) {
                        enqueue(p.revision(), p.frame());
                    }
                }
            }
        }
        afterEnd();
        pump();
    }

    /**
     * Queues a notification the poller read for this stream's platform, as {@code frame}: made once
     * for every stream that gets the same (for a broker's notification, once per platform). Never
     * blocks beyond this stream's own lock.
     */
    void live(Notification n, String frame) {
        synchronized (this) {
            if (ended) {
                return;
            }
            if (pending != null) {
                if (pending.size() >= capacity) {
                    overflow();
                } else {
                    pending.add(new Pending(n.revision(), frame));
                }
            } else if (n.revision() > lastQueued) {
                enqueue(n.revision(), frame);
            }
        }
        afterEnd();
        pump();
    }

    /** Guarded by {@code this}. */
    private void enqueue(long revision, String frame) {
        if (queue.size() >= capacity) {
            overflow();
            return;
        }
        queue.add(frame);
        lastQueued = revision;
    }

    /** Guarded by {@code this}. */
    private void overflow() {
        end(OVERFLOW_CODE, "notification queue overflow (more than " + capacity + " pending); resync");
    }

    /**
     * Marks the stream ended from the Service Manager's side (overflow, shutdown, a failed send).
     * Guarded by {@code this}; the caller then calls {@link #afterEnd} outside the lock, so that
     * neither the hub nor the transport is called with this lock held.
     */
    private void end(int code, String reason) {
        if (ended) {
            return;
        }
        ended = true;
        endCode = code;
        endReason = reason;
        queue.clear();
        pending = null;
        mustTell = true;
    }

    /** Tells the hub and the transport that the stream ended, once. Called without the lock. */
    private void afterEnd() {
        Sink target;
        int code;
        String reason;
        synchronized (this) {
            if (!mustTell) {
                return;
            }
            mustTell = false;
            target = sink;
            code = endCode;
            reason = endReason;
        }
        hub.release(this);
        if (target != null) {
            // Jetty's close only queues the close frame; a sink must not block (see Sink.close).
            target.close(code, reason);
        }
    }

    /** Ends the stream because the Service Manager closes. */
    void shutDown() {
        synchronized (this) {
            end(GOING_AWAY_CODE, "the Service Manager is shutting down");
        }
        afterEnd();
    }

    /**
     * Ends the stream because what it was opened with is gone (the platform, or the credentials):
     * 1008, so the proxy does not take it for a node going away and learns why from the reason.
     */
    void revoke(String reason) {
        synchronized (this) {
            end(OVERFLOW_CODE, reason);
        }
        afterEnd();
    }

    /** Whether the hub must still count this stream as an open connection; true only once. */
    synchronized boolean markReleased() {
        if (released) {
            return false;
        }
        released = true;
        return true;
    }

    @Override
    public void start(Sink newSink) {
        Objects.requireNonNull(newSink, "sink");
        synchronized (this) {
            if (sink != null) {
                throw new IllegalStateException("the stream was started already");
            }
            sink = newSink;
            if (ended) {
                // Ended before the transport was ready (overflow during the upgrade): tell it now.
                mustTell = true;
            }
        }
        afterEnd();
        pump();
    }

    /**
     * Hands the transport the next frame when it has none in flight. One thread at a time loops
     * here; a send that completes at once (on this same thread) only flags the loop to go on, so
     * a fast client cannot make the stack grow with its queue.
     */
    private void pump() {
        synchronized (this) {
            if (pumping) {
                return;
            }
            pumping = true;
        }
        while (true) {
            String next;
            Sink target;
            synchronized (this) {
                if (ended || sink == null || sending || queue.isEmpty()) {
                    pumping = false;
                    return;
                }
                next = queue.poll();
                sending = true;
                target = sink;
            }
            try {
                target.send(next, this::sent);
            } catch (RuntimeException e) {
                sent(e);
            }
        }
    }

    private void sent(Throwable failure) {
        synchronized (this) {
            sending = false;
            if (failure != null) {
                // The connection is broken; the transport sees that too and closes us.
                end(1011, "sending failed");
            }
        }
        afterEnd();
        pump();
    }

    @Override
    public void close() {
        synchronized (this) {
            ended = true;
            queue.clear();
            pending = null;
        }
        hub.release(this);
    }

    /** For tests and logs: how many frames wait to be sent. */
    synchronized int queued() {
        return queue.size();
    }
}
