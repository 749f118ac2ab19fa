package org.servicemanager.proxy;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.Session;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A stand-in for the Service Manager's notification endpoint (README, "Notifications WebSocket"), on a free loopback port:
 * it keeps the notifications a test publishes, replays those after {@code last_notification_revision}
 * to a new connection, sends new ones live, answers 410 or other refusals when told, and can cut
 * connections. A {@code GET} without the upgrade answers the newest revision and the ping period
 * (JSON and headers), as the Service Manager does; the upgrade answer carries them as headers too.
 * Thread-safe.
 */
final class NotificationServer implements AutoCloseable {
    /** One accepted or refused connection: its query string (null: none) and Authorization header. */
    record Connection(String query, String authorization, boolean refused) {
    }

    private final Server server;
    private final Object lock = new Object();
    private final TreeMap<Long, String> notifications = new TreeMap<>();
    private final List<Session> sessions = new ArrayList<>();
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    /** The GETs without an upgrade, as connections (refused: answered with a scripted refusal). */
    private final List<Connection> starts = new CopyOnWriteArrayList<>();
    private final java.util.Queue<Integer> upgradeRefusals = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.Queue<Integer> startRefusals = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final List<String> handshakeAuthorizations = new CopyOnWriteArrayList<>();
    private final AtomicBoolean goneOnce = new AtomicBoolean();
    private final long maxPingPeriod = 60000;
    private final java.util.concurrent.atomic.AtomicInteger pongs = new java.util.concurrent.atomic.AtomicInteger();

    private NotificationServer(Server server) {
        this.server = server;
    }

    static NotificationServer start() {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        NotificationServer ns = new NotificationServer(server);
        ServletContextHandler context = new ServletContextHandler("/");
        JakartaWebSocketServletContainerInitializer.configure(context, (servletContext, container) ->
                container.addEndpoint(ServerEndpointConfig.Builder.create(Stream.class, "/v1/notifications")
                        .configurator(ns.new Configurator()).build()));
        server.setHandler(new Handler.Wrapper(context) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String query = request.getHttpURI().getQuery();
                String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
                String upgrade = request.getHeaders().get(HttpHeader.UPGRADE);
                if (upgrade == null || !upgrade.toLowerCase(java.util.Locale.ROOT).contains("websocket")) {
                    Integer refusal = ns.startRefusals.poll();
                    ns.starts.add(new Connection(query, authorization, refusal != null));
                    if (refusal != null) {
                        answer(response, callback, refusal, "{\"error\":\"Refused\",\"description\":\"scripted\"}");
                        return true;
                    }
                    long newest = ns.newestRevision();
                    response.getHeaders().put("last_notification_revision", Long.toString(newest));
                    response.getHeaders().put("max_ping_period", Long.toString(ns.maxPingPeriod));
                    answer(response, callback, 200, "{\"last_notification_revision\":" + newest
                            + ",\"max_ping_period\":" + ns.maxPingPeriod + "}");
                    return true;
                }
                Integer refusal = ns.upgradeRefusals.poll();
                if (refusal == null && query != null && query.contains("last_notification_revision")
                        && ns.goneOnce.getAndSet(false)) {
                    refusal = 410;
                }
                if (refusal != null) {
                    ns.connections.add(new Connection(query, authorization, true));
                    answer(response, callback, refusal, refusal == 410
                            ? "{\"error\":\"Gone\",\"description\":\"revision too old\"}"
                            : "{\"error\":\"Refused\",\"description\":\"scripted\"}");
                    return true;
                }
                return super.handle(request, response, callback);
            }

            private static void answer(Response response, Callback callback, int status, String json) {
                response.setStatus(status);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.write(true, ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)), callback);
            }
        });
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the notification server", e);
        }
        return ns;
    }

    /** {@code http://127.0.0.1:port}. */
    String baseUrl() {
        return "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** Stores a notification and sends it to every open connection. */
    void publish(long revision, String json) {
        synchronized (lock) {
            notifications.put(revision, json);
            sessions.forEach(s -> send(s, json));
        }
    }

    /** Sends a frame to every open connection without storing it (a bad frame, a replay). */
    void sendRaw(String text) {
        synchronized (lock) {
            sessions.forEach(s -> send(s, text));
        }
    }

    /** Stores a notification and sends it to every open connection in two fragments. */
    void publishFragmented(long revision, String json) {
        synchronized (lock) {
            notifications.put(revision, json);
            int half = json.length() / 2;
            for (Session s : sessions) {
                try {
                    s.getBasicRemote().sendText(json.substring(0, half), false);
                    s.getBasicRemote().sendText(json.substring(half), true);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    /** Pings every open connection; {@link #pongs()} counts the answers. */
    void ping() {
        synchronized (lock) {
            for (Session s : sessions) {
                try {
                    s.getBasicRemote().sendPing(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    int pongs() {
        return pongs.get();
    }

    /** The next upgrades are refused with these statuses, one each, in order. */
    void refuseUpgrades(int... statuses) {
        for (int status : statuses) {
            upgradeRefusals.add(status);
        }
    }

    /** The next GETs without an upgrade are refused with these statuses, one each, in order. */
    void refuseStarts(int... statuses) {
        for (int status : statuses) {
            startRefusals.add(status);
        }
    }

    /** The GETs without an upgrade so far. */
    List<Connection> starts() {
        return List.copyOf(starts);
    }

    /** The next connection that asks for a revision gets 410 Gone. */
    void answerGoneOnce() {
        goneOnce.set(true);
    }

    /** Closes every open connection, as a Service Manager going away would. */
    void dropConnections() {
        List<Session> open;
        synchronized (lock) {
            open = List.copyOf(sessions);
            sessions.clear();
        }
        for (Session s : open) {
            try {
                s.close(new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "test cuts the connection"));
            } catch (IOException e) {
                // Gone already.
            }
        }
    }

    List<Connection> connections() {
        return List.copyOf(connections);
    }

    int openConnections() {
        synchronized (lock) {
            return sessions.size();
        }
    }

    long newestRevision() {
        synchronized (lock) {
            return notifications.isEmpty() ? 0 : notifications.lastKey();
        }
    }

    private static void send(Session session, String text) {
        try {
            session.getBasicRemote().sendText(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void opened(Session session) {
        Map<String, List<String>> params = session.getRequestParameterMap();
        List<String> from = params.get("last_notification_revision");
        String authorization = handshakeAuthorizations.isEmpty() ? null
                : handshakeAuthorizations.get(handshakeAuthorizations.size() - 1);
        connections.add(new Connection(session.getQueryString(), authorization, false));
        session.addMessageHandler(jakarta.websocket.PongMessage.class, pong -> pongs.incrementAndGet());
        synchronized (lock) {
            if (from != null) {
                long after = Long.parseLong(from.get(0));
                notifications.tailMap(after, false).values().forEach(json -> send(session, json));
            }
            sessions.add(session);
        }
    }

    private void closed(Session session) {
        synchronized (lock) {
            sessions.remove(session);
        }
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the notification server", e);
        }
    }

    /** Adds the upgrade headers and hands out endpoints that know this server. */
    private final class Configurator extends ServerEndpointConfig.Configurator {
        @Override
        public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request, HandshakeResponse response) {
            List<String> auth = request.getHeaders().get("Authorization");
            handshakeAuthorizations.add(auth == null || auth.isEmpty() ? "" : auth.get(0));
            response.getHeaders().put("last_notification_revision", List.of(Long.toString(newestRevision())));
            response.getHeaders().put("max_ping_period", List.of(Long.toString(maxPingPeriod)));
        }

        @Override
        public <T> T getEndpointInstance(Class<T> endpointClass) {
            return endpointClass.cast(new Stream(NotificationServer.this));
        }
    }

    /** One connection. Public so that the container can see it; created by the configurator only. */
    public static final class Stream extends Endpoint {
        private final NotificationServer owner;

        Stream(NotificationServer owner) {
            this.owner = owner;
        }

        @Override
        public void onOpen(Session session, EndpointConfig config) {
            owner.opened(session);
        }

        @Override
        public void onClose(Session session, CloseReason closeReason) {
            owner.closed(session);
        }
    }
}
