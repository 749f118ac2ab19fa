package org.servicemanager.servlet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.servicemanager.api.model.Notification;
import org.servicemanager.api.model.NotificationType;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.ServiceManager;

/**
 * A Service Manager node for notification tests: the servlet in a real Jetty 12 with Jakarta
 * WebSocket enabled, over a store the test may share between nodes. Not thread-safe.
 */
final class NotificationNode implements AutoCloseable {
    static final String ADMIN_PASSWORD = "admin-pass";
    /** Hashed once: PBKDF2 with the admin iterations is slow. */
    private static final String ADMIN_HASH = ServiceManager.Builder.hashPassword(ADMIN_PASSWORD);
    static final String ADMIN = basic("admin", ADMIN_PASSWORD);
    /** One key for every node: nodes sharing a store must read each other's broker credentials. */
    private static final byte[] KEY = new byte[32];
    private static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    final ServiceManager sm;
    final Container.Running jetty;

    private NotificationNode(ServiceManager sm, Container.Running jetty) {
        this.sm = sm;
        this.jetty = jetty;
    }

    /** Starts a node on {@code store}; {@code config} adds builder settings. */
    static NotificationNode start(Store store, Consumer<ServiceManager.Builder> config) throws Exception {
        return start(Container.JETTY_12, store, config);
    }

    /** Starts a node on {@code store} in {@code container}, with its Jakarta WebSocket support. */
    static NotificationNode start(Container container, Store store, Consumer<ServiceManager.Builder> config)
            throws Exception {
        ServiceManager.Builder builder = ServiceManager.builder().store(store).adminUserWithHash("admin", ADMIN_HASH)
                .encryptionKey(KEY);
        config.accept(builder);
        ServiceManager sm = builder.build();
        try {
            return new NotificationNode(sm, container.start(16, true,
                    List.of(Container.Mount.of("/", "/*", new ServiceManagerServlet(sm)))));
        } catch (Exception e) {
            sm.close();
            throw e;
        }
    }

    /**
     * Closes {@code node}, then {@code store}; either may be null, as after a start that failed. For a
     * test class's {@code @AfterAll}.
     */
    static void stop(NotificationNode node, Store store) {
        try {
            if (node != null) {
                node.close();
            }
        } finally {
            if (store != null) {
                store.close();
            }
        }
    }

    /** The helpers of a node for another Jetty serving {@code sm}; not to be closed (the caller owns both). */
    static NotificationNode view(ServiceManager sm, Container.Running jetty) {
        return new NotificationNode(sm, jetty);
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** A registered platform and its credentials as an Authorization header. */
    record PlatformLogin(String id, String authorization) {
    }

    PlatformLogin registerPlatform() throws Exception {
        String name = "p-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(jetty.uri("/v1/platforms"))
                        .header("Authorization", ADMIN)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"type\":\"cf\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("platform not created: " + response.statusCode() + " " + response.body());
        }
        JsonNode body = JSON.readTree(response.body());
        JsonNode basic = body.path("credentials").path("basic");
        return new PlatformLogin(body.get("id").asText(),
                basic(basic.get("username").asText(), basic.get("password").asText()));
    }

    /** POSTs JSON as the administrator and returns the answer's body; fails unless 201. */
    JsonNode postAsAdmin(String path, String json) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(jetty.uri(path))
                        .header("Authorization", ADMIN)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("POST " + path + ": " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** Sends {@code method} to {@code path} as the administrator; fails unless 200, returns the body. */
    JsonNode sendAsAdmin(String method, String path, String json) throws Exception {
        return sendAsAdmin(method, path, json, 200);
    }

    /** Like {@link #sendAsAdmin(String, String, String)}, expecting {@code status} (202 for a cascade delete). */
    JsonNode sendAsAdmin(String method, String path, String json, int status) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(jetty.uri(path))
                        .header("Authorization", ADMIN)
                        .header("Content-Type", "application/json")
                        .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != status) {
            throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** Regenerates the platform's credentials and returns the new ones as an Authorization header. */
    String regenerateCredentials(String platformId) throws Exception {
        JsonNode basic = sendAsAdmin("PATCH", "/v1/platforms/" + platformId + "?regenerateCredentials=true", "{}")
                .path("credentials").path("basic");
        return basic(basic.get("username").asText(), basic.get("password").asText());
    }

    /** The status of a plain {@code GET /v1/notifications} with {@code authorization}: authenticates once. */
    int getNotifications(String authorization) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(jetty.uri("/v1/notifications"))
                .header("Authorization", authorization).GET().build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    JsonNode getAsAdmin(String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(jetty.uri(path))
                .header("Authorization", ADMIN).GET().build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    /** Appends a notification to the store in a transaction of its own, as a change would. */
    static Notification append(Store store, String platformId, String payload) {
        return append(store, platformId, payload, Instant.now());
    }

    static Notification append(Store store, String platformId, String payload, Instant createdAt) {
        Notification n = new Notification(UUID.randomUUID().toString(), "/v1/visibilities", NotificationType.CREATED,
                platformId, 0, payload, "corr-" + UUID.randomUUID(), createdAt);
        return store.inTransaction(tx -> tx.notifications().append(n));
    }

    /** Opens a WebSocket with the JDK client; the recorder sees frames and the close. */
    WebSocketRecorder connect(String authorization, String query) {
        return connect(authorization, query, true);
    }

    WebSocketRecorder connect(String authorization, String query, boolean reading) {
        WebSocketRecorder recorder = new WebSocketRecorder(reading);
        URI uri = URI.create("ws://127.0.0.1:" + jetty.uri("/").getPort() + "/v1/notifications"
                + (query == null ? "" : "?" + query));
        recorder.socket = HTTP.newWebSocketBuilder()
                .header("Authorization", authorization)
                .connectTimeout(Duration.ofSeconds(5))
                .buildAsync(uri, recorder)
                .orTimeout(10, TimeUnit.SECONDS)
                .join();
        return recorder;
    }

    /** What the server answered to a raw handshake: the status line's code, headers (lower case), body. */
    record Handshake(int status, Map<String, String> headers, String body) {
    }

    /**
     * Sends a WebSocket handshake over a plain socket and reads the answer's head (and body, when
     * refused): the JDK WebSocket client shows neither the upgrade's headers nor a refusal's body.
     */
    Handshake handshake(String authorization, String query) throws IOException {
        int port = jetty.uri("/").getPort();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            StringBuilder request = new StringBuilder()
                    .append("GET /v1/notifications").append(query == null ? "" : "?" + query).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:").append(port).append("\r\n")
                    .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                    .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(new byte[16])).append("\r\n")
                    .append("Sec-WebSocket-Version: 13\r\n");
            if (authorization != null) {
                request.append("Authorization: ").append(authorization).append("\r\n");
            }
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            String[] lines = head.split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            String body = "";
            if (status != 101 && headers.containsKey("content-length")) {
                body = new String(in.readNBytes(Integer.parseInt(headers.get("content-length"))),
                        StandardCharsets.UTF_8);
            }
            return new Handshake(status, headers, body);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed in the answer's head: " + head);
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            jetty.close();
        } finally {
            sm.close();
        }
    }

    /** Collects what a JDK WebSocket receives. Thread-safe. */
    static final class WebSocketRecorder implements WebSocket.Listener {
        final java.util.concurrent.LinkedBlockingQueue<String> frames = new java.util.concurrent.LinkedBlockingQueue<>();
        final java.util.concurrent.CompletableFuture<Integer> closed = new java.util.concurrent.CompletableFuture<>();
        /** The reason of the server's close frame, once {@link #closed} completed normally. */
        volatile String closeReason;
        private final boolean reading;
        private final StringBuilder partial = new StringBuilder();
        volatile WebSocket socket;

        WebSocketRecorder(boolean reading) {
            this.reading = reading;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            if (reading) {
                webSocket.request(1);
            }
        }

        @Override
        public java.util.concurrent.CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            synchronized (partial) {
                partial.append(data);
                if (last) {
                    frames.add(partial.toString());
                    partial.setLength(0);
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public java.util.concurrent.CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeReason = reason;
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }

        /** The next frame, parsed, or fails after 5 s. */
        JsonNode next() throws InterruptedException {
            String frame = frames.poll(5, TimeUnit.SECONDS);
            if (frame == null) {
                throw new AssertionError("no frame within 5 s");
            }
            return parse(frame);
        }

        /** Starts reading (for a recorder made without reading). */
        void read() {
            socket.request(Long.MAX_VALUE);
        }

        void close() {
            if (!socket.isOutputClosed()) {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null)
                        .join();
            }
            socket.abort();
        }
    }
}
