package org.servicemanager.core;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One Service Broker Proxy's subscription to the notifications of its platform, as
 * {@code GET /v1/notifications} opens it: what a transport (a WebSocket endpoint) needs to deliver
 * them, and nothing of how they are read. Opened by {@link ServiceManager#openNotificationStream};
 * the notifications since the requested revision are already queued when it is handed out, and new
 * ones follow in revision order, without gap or duplicate.
 *
 * <p>Each stream holds a bounded queue (see {@link ServiceManager.Builder#notificationQueueSize});
 * the transport takes one frame at a time, so a slow client fills its own queue and, when that
 * overflows, loses its connection (it then resyncs) instead of slowing anyone else down.
 *
 * <p>Implementations are thread-safe.
 */
public interface NotificationStream extends AutoCloseable {

    /**
     * The headers of the upgrade answer: {@code last_notification_revision} (the newest revision
     * the store had when the stream was opened) and {@code max_ping_period} (milliseconds).
     */
    Map<String, String> headers();

    /** The platform whose notifications (and those for every platform) this stream carries. */
    String platformId();

    /** How long the client may stay silent (no ping, no message) before the transport closes it. */
    Duration maxPingPeriod();

    /**
     * Starts delivering to {@code sink}: the queued frames first, then new ones as they come, one at
     * a time. Called once, when the transport's connection is open.
     */
    void start(Sink sink);

    /**
     * Ends the subscription: nothing more is queued or sent. The transport calls it when its
     * connection ends, however it ends; idempotent.
     */
    @Override
    void close();

    /** Where a stream sends its frames: the transport's connection. */
    interface Sink {
        /**
         * Sends one text frame (a notification as JSON) without blocking, and calls
         * {@code whenSent} once it is written, with {@code null}, or with the failure. The stream
         * sends the next frame only after that call.
         */
        void send(String text, Consumer<Throwable> whenSent);

        /**
         * Closes the connection with a WebSocket close code and reason (the queue overflowed: 1008;
         * the Service Manager is closing: 1001). Must not block.
         */
        void close(int code, String reason);
    }

    /** What opening a stream came to: refused with an answer, or opened. */
    sealed interface Opening permits Refused, Opened {
    }

    /**
     * Not opened: {@code response} is the answer to write instead of upgrading (401, 403, 400,
     * 410, ...).
     */
    record Refused(SmResponse response) implements Opening {
        public Refused {
            Objects.requireNonNull(response, "response");
        }
    }

    /** Opened: upgrade with the stream's {@link NotificationStream#headers() headers}, then start it. */
    record Opened(NotificationStream stream) implements Opening {
        public Opened {
            Objects.requireNonNull(stream, "stream");
        }
    }
}
