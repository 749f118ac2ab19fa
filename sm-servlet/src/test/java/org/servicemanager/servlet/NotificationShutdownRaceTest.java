package org.servicemanager.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.Notification;
import org.servicemanager.api.store.ForwardingStore;
import org.servicemanager.api.store.NotificationLog;
import org.servicemanager.core.NotificationStream;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.storage.memory.MemoryStore;

@DisplayName("a notification stream opening while the Service Manager closes")
class NotificationShutdownRaceTest {

    /**
     * A store whose log closes the Service Manager when the opening thread reads the newest
     * revision: that read comes after the opening checked that the hub is open and before it
     * registers the stream, which is the window the race needs, made certain instead of hoped for.
     */
    private static final class ClosingStore extends ForwardingStore {
        final AtomicReference<Thread> armedFor = new AtomicReference<>();
        volatile Runnable onRead = () -> { };

        ClosingStore(MemoryStore delegate) {
            super(delegate);
        }

        @Override
        public NotificationLog notifications() {
            NotificationLog log = delegate().notifications();
            return new NotificationLog() {
                @Override
                public Notification append(Notification notification) {
                    return log.append(notification);
                }

                @Override
                public List<Notification> after(long revision, String platformId, int limit) {
                    return log.after(revision, platformId, limit);
                }

                @Override
                public long countAfter(long revision, String platformId, long cap) {
                    return log.countAfter(revision, platformId, cap);
                }

                @Override
                public long newestRevision() {
                    if (armedFor.compareAndSet(Thread.currentThread(), null)) {
                        onRead.run();
                    }
                    return log.newestRevision();
                }

                @Override
                public long removedThrough() {
                    return log.removedThrough();
                }

                @Override
                public int removeCreatedBefore(Instant cutoff, int limit) {
                    return log.removeCreatedBefore(cutoff, limit);
                }

                @Override
                public void recordConnections(String platformId, String nodeId, int openConnections, Instant now) {
                    log.recordConnections(platformId, nodeId, openConnections, now);
                }

                @Override
                public Map<String, PlatformActivity> activity(Collection<String> platformIds, Instant freshAfter) {
                    return log.activity(platformIds, freshAfter);
                }
            };
        }
    }

    @Test
    @DisplayName("is refused with 503 when close() ran after its first check, instead of staying open")
    void closedMeanwhile() throws Exception {
        try (MemoryStore memory = new MemoryStore()) {
            ClosingStore store = new ClosingStore(memory);
            ServiceManager sm = ServiceManager.builder().store(store).adminUserWithHash("admin",
                    ServiceManager.Builder.hashPassword("pw")).encryptionKey(new byte[32]).build();
            try {
                SmResponse created = sm.handle(SmRequest.builder("POST", "/v1/platforms")
                        .header("Authorization", NotificationNode.basic("admin", "pw"))
                        .jsonBody("{\"name\":\"p\",\"type\":\"cf\"}").build());
                assertThat(created.status()).isEqualTo(201);
                JsonNode basic = NotificationNode.parse(created.bodyAsString()).path("credentials").path("basic");
                String login = NotificationNode.basic(basic.get("username").asText(), basic.get("password").asText());
                store.onRead = sm::close;
                store.armedFor.set(Thread.currentThread());

                NotificationStream.Opening opening = sm.openNotificationStream(
                        SmRequest.builder("GET", "/v1/notifications").header("Authorization", login).build());

                assertThat(store.armedFor.get()).as("the hub was closed inside the window").isNull();
                assertThat(opening).isInstanceOf(NotificationStream.Refused.class);
                assertThat(((NotificationStream.Refused) opening).response().status()).isEqualTo(503);
                assertThat(sm.openNotificationStreams()).isZero();
            } finally {
                sm.close();
            }
        }
    }
}
