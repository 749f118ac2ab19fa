package org.servicemanager.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.servlet.NotificationNode.Handshake;
import org.servicemanager.servlet.NotificationNode.PlatformLogin;
import org.servicemanager.servlet.NotificationNode.WebSocketRecorder;
import org.servicemanager.storage.memory.MemoryStore;

@DisplayName("Notification WebSockets: what one platform's credentials can hold")
class NotificationLimitsTest {
    private static final int PER_PLATFORM = 3;

    private static MemoryStore store;
    private static NotificationNode node;
    private final List<WebSocketRecorder> sockets = new ArrayList<>();

    @BeforeAll
    static void startNode() throws Exception {
        store = new MemoryStore();
        node = NotificationNode.start(store, b -> b.maxNotificationStreamsPerPlatform(PER_PLATFORM));
    }

    @AfterAll
    static void stopNode() {
        NotificationNode.stop(node, store);
    }

    @AfterEach
    void closeSockets() {
        sockets.forEach(ws -> ws.socket.abort());
    }

    private WebSocketRecorder connect(PlatformLogin login) {
        WebSocketRecorder ws = node.connect(login.authorization(), null);
        sockets.add(ws);
        return ws;
    }

    @Test
    @DisplayName("a platform gets at most its limit of open connections on a node; one more is 429 with Retry-After, before the upgrade")
    void perPlatformLimit() throws Exception {
        PlatformLogin platform = node.registerPlatform();
        for (int i = 0; i < PER_PLATFORM; i++) {
            connect(platform);
        }

        Handshake refused = node.handshake(platform.authorization(), null);

        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.headers()).containsEntry("retry-after", "10");
        assertThat(NotificationNode.parse(refused.body()).get("error").asText()).isEqualTo("TooManyRequests");
        assertThat(NotificationNode.parse(refused.body()).get("description").asText())
                .contains(platform.id()).contains("3 notification connections");
    }

    @Test
    @DisplayName("the limit is per platform: another platform still connects, and a closed connection frees a place")
    void limitIsPerPlatformAndFreed() throws Exception {
        PlatformLogin first = node.registerPlatform();
        List<WebSocketRecorder> own = new ArrayList<>();
        for (int i = 0; i < PER_PLATFORM; i++) {
            own.add(connect(first));
        }
        PlatformLogin second = node.registerPlatform();
        assertThat(node.handshake(second.authorization(), null).status()).isEqualTo(101);

        own.get(0).socket.abort();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int status;
        do {
            status = node.handshake(first.authorization(), null).status();
        } while (status != 101 && System.nanoTime() < deadline);
        assertThat(status).isEqualTo(101);
    }

    @Test
    @DisplayName("a client that sends a large message is disconnected (1009): clients have nothing to say but pings")
    void largeClientMessage() throws Exception {
        PlatformLogin platform = node.registerPlatform();
        WebSocketRecorder ws = connect(platform);

        ws.socket.sendText("x".repeat(64 * 1024), true);

        assertThat(ws.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1009);
    }
}
