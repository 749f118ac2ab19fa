package org.servicemanager.servlet.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.websocket.CloseReason;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.servicemanager.core.NotificationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notification WebSocket over Jakarta WebSocket 2.1: upgrades a request whose stream the
 * Service Manager opened, and moves the stream's frames to the connection. Every class of the
 * WebSocket API is referenced here only, so the servlet loads and serves everything else in a
 * container without WebSocket support. Public only because the WebSocket container requires a
 * public endpoint class; not API. Thread-safe.
 */
public final class NotificationSocket {
    private static final Logger LOG = LoggerFactory.getLogger(NotificationSocket.class);
    /** The servlet context attribute where Jakarta WebSocket containers publish their server container. */
    public static final String CONTAINER_ATTRIBUTE = "jakarta.websocket.server.ServerContainer";
    /** The largest message a client may send (its messages mean nothing to the server). */
    static final int CLIENT_MESSAGE_LIMIT = 4096;

    private NotificationSocket() {
    }

    /** Whether {@code attribute} (from {@link #CONTAINER_ATTRIBUTE}) is a container that can upgrade. */
    public static boolean isContainer(Object attribute) {
        return attribute instanceof ServerContainer;
    }

    /**
     * Upgrades the request; the stream is closed when the upgrade fails or the connection ends.
     *
     * @return whether the connection was upgraded (otherwise the stream is closed and the answer,
     *         if the container wrote none, is the caller's to write)
     */
    public static boolean upgrade(Object container, HttpServletRequest request, HttpServletResponse response,
            NotificationStream stream, String path) {
        ServerEndpointConfig config = ServerEndpointConfig.Builder.create(Socket.class, path)
                .configurator(new Configurator(stream))
                .build();
        try {
            ((ServerContainer) container).upgradeHttpToWebSocket(request, response, config, Map.of());
        } catch (IOException | DeploymentException | RuntimeException e) {
            LOG.warn("the notification WebSocket upgrade of platform {} failed: {}", stream.platformId(),
                    e.toString());
            stream.close();
            return false;
        }
        if (response.getStatus() != HttpServletResponse.SC_SWITCHING_PROTOCOLS) {
            // The container refused the handshake (a bad version or key) and answered it itself.
            stream.close();
            return false;
        }
        return true;
    }

    /** Hands the one endpoint made for this stream to the container, and adds the stream's headers. */
    private static final class Configurator extends ServerEndpointConfig.Configurator {
        private final NotificationStream stream;

        Configurator(NotificationStream stream) {
            this.stream = stream;
        }

        @Override
        public <T> T getEndpointInstance(Class<T> endpointClass) {
            return endpointClass.cast(new Socket(stream));
        }

        @Override
        public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request, HandshakeResponse response) {
            stream.headers().forEach((name, value) -> response.getHeaders().put(name, List.of(value)));
        }
    }

    /**
     * One connection. The client's pings are answered by the container; a connection that stays
     * silent (no ping, no message, nothing to send) for the max ping period is closed by the
     * container's idle timeout. Messages from the client mean nothing and are ignored.
     */
    public static final class Socket extends Endpoint {
        private final NotificationStream stream;

        Socket(NotificationStream stream) {
            this.stream = stream;
        }

        @Override
        public void onOpen(Session session, EndpointConfig config) {
            session.setMaxIdleTimeout(stream.maxPingPeriod().toMillis());
            // Clients have nothing to say beyond pings; a large message only costs memory (closed, 1009).
            session.setMaxTextMessageBufferSize(CLIENT_MESSAGE_LIMIT);
            session.setMaxBinaryMessageBufferSize(CLIENT_MESSAGE_LIMIT);
            session.addMessageHandler(String.class, (MessageHandler.Whole<String>) ignored -> { });
            session.addMessageHandler(PongMessage.class, (MessageHandler.Whole<PongMessage>) ignored -> { });
            stream.start(new NotificationStream.Sink() {
                @Override
                public void send(String text, Consumer<Throwable> whenSent) {
                    session.getAsyncRemote().sendText(text,
                            result -> whenSent.accept(result.isOK() ? null : failure(result.getException())));
                }

                @Override
                public void close(int code, String reason) {
                    try {
                        session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), fit(reason)));
                    } catch (IOException | RuntimeException e) {
                        LOG.debug("closing the notification WebSocket of platform {} failed: {}",
                                stream.platformId(), e.toString());
                    }
                }
            });
        }

        @Override
        public void onClose(Session session, CloseReason closeReason) {
            LOG.debug("notification WebSocket of platform {} closed: {}", stream.platformId(), closeReason);
            stream.close();
        }

        @Override
        public void onError(Session session, Throwable failure) {
            LOG.debug("notification WebSocket of platform {} failed: {}", stream.platformId(), failure.toString());
            stream.close();
        }

        private static Throwable failure(Throwable reported) {
            return reported != null ? reported : new IOException("the frame could not be sent");
        }

        /** A close reason may hold 123 bytes of UTF-8. */
        private static String fit(String reason) {
            byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
            return bytes.length <= 123 ? reason : new String(bytes, 0, 120, StandardCharsets.UTF_8) + "...";
        }
    }
}
