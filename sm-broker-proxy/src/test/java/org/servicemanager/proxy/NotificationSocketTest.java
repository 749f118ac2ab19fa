package org.servicemanager.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.proxy.internal.NotificationSocket;

@DisplayName("The proxy's WebSocket client")
class NotificationSocketTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final RawWebSocketServer server = new RawWebSocketServer();

    @AfterEach
    void tearDown() throws IOException {
        server.close();
    }

    private CompletableFuture<NotificationSocket> open() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return NotificationSocket.open(URI.create(server.wsUrl() + "?last_notification_revision=5"),
                        Map.of("Authorization", "Basic abc"), TIMEOUT, SSLContext.getDefault());
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    @Test
    @DisplayName("sends the upgrade with the path, query and headers, and reads the answer's headers")
    void readsUpgradeHeaders() throws Exception {
        CompletableFuture<NotificationSocket> opening = open();
        RawWebSocketServer.Peer peer = server.accept(TIMEOUT);
        peer.upgrade(Map.of("last_notification_revision", "42", "max_ping_period", "3000"), null);
        NotificationSocket socket = opening.get(10, TimeUnit.SECONDS);

        assertThat(peer.requestHead.get(0)).isEqualTo("GET /v1/notifications?last_notification_revision=5 HTTP/1.1");
        assertThat(peer.requestHeader("Authorization")).isEqualTo("Basic abc");
        assertThat(socket.header("Last_Notification_Revision")).contains("42");
        assertThat(socket.header("max_ping_period")).contains("3000");
        socket.abort();
    }

    @Test
    @DisplayName("reports a refusal before the upgrade with its status and body")
    void refusal() throws Exception {
        CompletableFuture<NotificationSocket> opening = open();
        server.accept(TIMEOUT).refuse(410, "{\"error\":\"Gone\"}");

        assertThatThrownBy(() -> opening.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(NotificationSocket.HandshakeRejected.class)
                .cause().hasMessageContaining("410").hasMessageContaining("Gone")
                .satisfies(e -> assertThat(((NotificationSocket.HandshakeRejected) e).status()).isEqualTo(410));
    }

    @Test
    @DisplayName("refuses an upgrade answer whose Sec-WebSocket-Accept does not match its key")
    void wrongAccept() throws Exception {
        CompletableFuture<NotificationSocket> opening = open();
        server.accept(TIMEOUT).upgrade(Map.of(), "bm90IHRoZSByaWdodCBvbmU=");

        assertThatThrownBy(() -> opening.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
    }

    @Test
    @DisplayName("sends masked pings, reassembles fragmented text, answers pings with pongs and reports the close")
    void frames() throws Exception {
        CompletableFuture<NotificationSocket> opening = open();
        RawWebSocketServer.Peer peer = server.accept(TIMEOUT);
        peer.upgrade(Map.of(), null);
        NotificationSocket socket = opening.get(10, TimeUnit.SECONDS);
        List<String> events = new CopyOnWriteArrayList<>();
        socket.startReading(new NotificationSocket.Handler() {
            @Override
            public void onText(String text) {
                events.add("text " + text);
            }

            @Override
            public void onBinary() {
                events.add("binary");
            }

            @Override
            public void onClosed(int code, String reason) {
                events.add("closed " + code + " " + reason);
            }

            @Override
            public void onFailed(IOException error) {
                events.add("failed " + error.getMessage());
            }
        }, TIMEOUT, "test-reader");

        socket.sendPing();
        RawWebSocketServer.Frame ping = peer.read();
        assertThat(ping.opcode()).isEqualTo(0x9);
        assertThat(ping.masked()).isTrue();
        assertThat(ping.fin()).isTrue();

        peer.sendText(false, 0x1, "{\"a\":");
        peer.send(true, 0x9, "hi".getBytes(StandardCharsets.UTF_8));
        peer.sendText(true, 0x0, "1}");
        RawWebSocketServer.Frame pong = peer.read();
        assertThat(pong.opcode()).isEqualTo(0xA);
        assertThat(pong.masked()).isTrue();
        assertThat(pong.text()).isEqualTo("hi");

        peer.send(true, 0x8, new byte[] {0x03, (byte) 0xE9, 'b', 'y', 'e'});
        RawWebSocketServer.Frame close = peer.read();
        assertThat(close.opcode()).isEqualTo(0x8);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (events.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(events).containsExactly("text {\"a\":1}", "closed 1001 bye");
    }

    @Test
    @DisplayName("reports a server that goes silent for longer than the read timeout as a failure")
    void silence() throws Exception {
        CompletableFuture<NotificationSocket> opening = open();
        RawWebSocketServer.Peer peer = server.accept(TIMEOUT);
        peer.upgrade(Map.of(), null);
        NotificationSocket socket = opening.get(10, TimeUnit.SECONDS);
        CompletableFuture<String> failure = new CompletableFuture<>();
        socket.startReading(new NotificationSocket.Handler() {
            @Override
            public void onText(String text) {
            }

            @Override
            public void onBinary() {
            }

            @Override
            public void onClosed(int code, String reason) {
            }

            @Override
            public void onFailed(IOException error) {
                failure.complete(error.getMessage());
            }
        }, Duration.ofMillis(100), "test-reader");

        assertThat(failure.get(10, TimeUnit.SECONDS)).contains("silent");
    }
}
