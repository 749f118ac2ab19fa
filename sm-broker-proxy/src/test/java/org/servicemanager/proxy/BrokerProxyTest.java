package org.servicemanager.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.servicemanager.proxy.memory.InMemoryPlatform;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.junit.ServiceManagerExtension;
import org.servicemanager.test.junit.ServiceManagerRuntimeInfo;
import org.servicemanager.test.time.MutableClock;

@DisplayName("BrokerProxy against a real Service Manager (REST) and a scripted notification stream")
class BrokerProxyTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String ORG = "organization_guid";

    @RegisterExtension
    ServiceManagerExtension fixture = ServiceManagerExtension.newInstance().build();

    private SmFixture sm;
    private NotificationServer stream;
    private InMemoryPlatform platform;
    private MutableClock clock;
    private BrokerProxy proxy;
    private FakeBroker handMade;

    @BeforeEach
    void setUp(ServiceManagerRuntimeInfo info) {
        sm = new SmFixture(info);
        stream = NotificationServer.start();
        platform = new InMemoryPlatform(ORG);
        clock = new MutableClock(Instant.parse("2026-11-29T08:00:00Z"));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (handMade != null) {
            handMade.close();
        }
        stream.close();
    }

    private BrokerProxy startProxy() throws InterruptedException {
        return startProxy(platform);
    }

    private BrokerProxy startProxy(Platform target) throws InterruptedException {
        proxy = buildProxy(target, stream.baseUrl() + "/v1/notifications").start();
        assertThat(proxy.awaitResyncs(1, WAIT)).as("first resync").isTrue();
        // The stream opens after the resync; what a test sends before would reach no one.
        eventually("the stream open", () -> proxy.isConnected() && stream.openConnections() == 1);
        return proxy;
    }

    private BrokerProxy buildProxy(Platform target, String notificationsUrl) {
        return BrokerProxy.builder()
                .serviceManager(URI.create(sm.baseUrl()), sm.platformUser, sm.platformPassword)
                .notificationsUri(URI.create(notificationsUrl))
                .platform(target)
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .clock(clock)
                .build();
    }

    private String osbUrl(String brokerId) {
        return sm.baseUrl() + "/v1/osb/" + brokerId;
    }

    private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** Registers broker pg with one plan, small, visible to the platform; returns the broker's id. */
    private String registerVisiblePg() {
        String id = sm.registerBroker("pg", "small");
        sm.visibleToPlatform("pg-small-id", Map.of());
        return id;
    }

    /** Registers broker pg with one plan, small, visible to the platform in org-1; returns the visibility's id. */
    private String registerPgVisibleToOrg1() {
        sm.registerBroker("pg", "small");
        return sm.visibleToPlatform("pg-small-id", Map.of(ORG, List.of("org-1")));
    }

    /** Renames broker {@code id} to postgres in the SM; returns the notification that tells of it. */
    private String renameToPostgres(String id, long revision) {
        var old = sm.brokerState(id);
        sm.renameBroker(id, "postgres");
        return SmFixture.notification(revision, "/v1/service_brokers", "MODIFIED", null, old, sm.brokerState(id));
    }

    /** Adds org-2 to the org label of {@code visibility}; returns the notification that tells of it. */
    private String addOrg2(String visibility, long revision) {
        var old = sm.visibilityState(visibility);
        sm.addLabelValue(visibility, ORG, "org-2");
        return SmFixture.notification(revision, "/v1/visibilities", "MODIFIED", sm.platformId, old,
                sm.visibilityState(visibility));
    }

    /** Publishes and waits until the proxy applied it. */
    private void publish(long revision, String json) throws InterruptedException {
        stream.publish(revision, json);
        assertThat(proxy.awaitRevision(revision, WAIT)).as("revision %d applied", revision).isTrue();
    }

    @Nested
    @DisplayName("a full resync")
    class FullResync {

        @Test
        @DisplayName("registers each visible SM broker as sm-<name> at <sm>/v1/osb/<id> with the platform's credentials")
        void registersPrefixedBrokers() throws Exception {
            String id = sm.registerBroker("pg", "small", "large");
            sm.visibleToPlatform("pg-small-id", Map.of());

            startProxy();

            PlatformBroker broker = platform.broker("sm-pg").orElseThrow();
            assertThat(broker.url()).isEqualTo(osbUrl(id));
            BrokerRegistration registration = platform.registration("sm-pg").orElseThrow();
            assertThat(registration.username()).isEqualTo(sm.platformUser);
            assertThat(registration.password()).isEqualTo(sm.platformPassword);
            // The platform fetched the catalog from the SM's OSB face: only the visible plan.
            assertThat(platform.plansOf("sm-pg")).containsOnlyKeys("pg-small-id");
        }

        @Test
        @DisplayName("opens a plan to everyone for an unlabelled or all-platform visibility and to the orgs of a scoped one")
        void setsAccess() throws Exception {
            sm.registerBroker("pg", "open", "all", "scoped", "hidden");
            sm.visibleToPlatform("pg-open-id", Map.of());
            sm.visibleToAll("pg-all-id");
            sm.visibleToPlatform("pg-scoped-id", Map.of(ORG, List.of("org-1", "org-2")));

            startProxy();

            assertThat(platform.access("sm-pg", "pg-open-id")).contains(PlanAccess.everyone());
            assertThat(platform.access("sm-pg", "pg-all-id")).contains(PlanAccess.everyone());
            assertThat(platform.access("sm-pg", "pg-scoped-id")).contains(PlanAccess.scoped(Set.of("org-1", "org-2")));
            assertThat(platform.access("sm-pg", "pg-hidden-id")).isEmpty();
        }

        @Test
        @DisplayName("does not register a broker none of whose plans is visible to the platform")
        void skipsInvisibleBrokers() throws Exception {
            sm.registerBroker("pg", "small");

            startProxy();

            assertThat(platform.brokers()).isEmpty();
        }

        @Test
        @DisplayName("leaves brokers without the prefix alone, even ones the SM does not know")
        void leavesUnprefixedBrokers() throws Exception {
            handMade = FakeBroker.start();
            platform.createBroker(new BrokerRegistration("manual", handMade.url(), "u", "p"));
            registerVisiblePg();

            startProxy();

            assertThat(platform.brokers()).extracting(PlatformBroker::name).containsExactlyInAnyOrder("manual", "sm-pg");
            assertThat(platform.broker("manual").orElseThrow().url()).isEqualTo(handMade.url());
        }

        @Test
        @DisplayName("removes prefixed registrations of brokers the SM no longer has")
        void removesStaleBrokers() throws Exception {
            handMade = FakeBroker.start();
            platform.createBroker(new BrokerRegistration("sm-gone", handMade.url(), "u", "p"));
            String deleted = sm.registerBroker("old", "small");
            sm.visibleToPlatform("old-small-id", Map.of());
            platform.createBroker(new BrokerRegistration("sm-old", osbUrl(deleted), sm.platformUser,
                    sm.platformPassword));
            sm.deleteBroker(deleted);

            startProxy();

            assertThat(platform.brokers()).isEmpty();
        }

        @Test
        @DisplayName("removes a stale registration before renaming another broker to the name it held")
        void freesNamesFirst() throws Exception {
            String old = sm.registerBroker("old", "small");
            sm.visibleToPlatform("old-small-id", Map.of());
            String pg = sm.registerBroker("pg", "small");
            sm.visibleToPlatform("pg-small-id", Map.of());
            startProxy();
            sm.deleteBroker(old);
            sm.renameBroker(pg, "old");

            clock.advance(Duration.ofHours(12));

            assertThat(proxy.awaitResyncs(2, WAIT)).isTrue();
            assertThat(platform.brokers()).singleElement().satisfies(b -> {
                assertThat(b.name()).isEqualTo("sm-old");
                assertThat(b.url()).isEqualTo(osbUrl(pg));
            });
            assertThat(platform.plansOf("sm-old")).containsOnlyKeys("pg-small-id");
        }

        @Test
        @DisplayName("fixes a registration whose name, URL or plan access drifted, and closes plans no visibility opens")
        void fixesDrift() throws Exception {
            String id = sm.registerBroker("pg", "small", "large");
            sm.visibleToPlatform("pg-small-id", Map.of());
            sm.visibleToPlatform("pg-large-id", Map.of());
            startProxy();
            PlatformBroker registered = platform.broker("sm-pg").orElseThrow();
            platform.updateBroker(registered.id(), new BrokerRegistration("sm-renamed-by-hand", osbUrl(id) + "/",
                    sm.platformUser, sm.platformPassword));
            platform.setAccess(registered.id(), "pg-small-id", PlanAccess.scoped(Set.of("org-x")));

            clock.advance(Duration.ofHours(12));

            assertThat(proxy.awaitResyncs(2, WAIT)).isTrue();
            assertThat(platform.broker("sm-pg").orElseThrow().url()).isEqualTo(osbUrl(id));
            assertThat(platform.access("sm-pg", "pg-small-id")).contains(PlanAccess.everyone());
        }

        @Test
        @DisplayName("runs again when the resync interval has passed on the clock, picking up changes no notification told of")
        void periodicResync() throws Exception {
            sm.registerBroker("pg", "small", "large");
            sm.visibleToPlatform("pg-small-id", Map.of());
            startProxy();
            sm.visibleToPlatform("pg-large-id", Map.of(ORG, List.of("org-1")));

            clock.advance(Duration.ofHours(11));
            Thread.sleep(300);
            assertThat(proxy.completedResyncs()).isEqualTo(1);
            clock.advance(Duration.ofHours(1));

            assertThat(proxy.awaitResyncs(2, WAIT)).isTrue();
            assertThat(platform.access("sm-pg", "pg-large-id")).contains(PlanAccess.scoped(Set.of("org-1")));
        }
    }

    @Nested
    @DisplayName("a platform failure")
    class PlatformFailure {

        @Test
        @DisplayName("at a resync is retried by a resync brought forward by the backoff, not after the full interval")
        void retriedAtResync() throws Exception {
            registerVisiblePg();
            FlakyPlatform flaky = new FlakyPlatform(platform);
            flaky.failNext(1);

            startProxy(flaky);
            assertThat(platform.brokers()).isEmpty();
            clock.advance(Duration.ofSeconds(1));

            assertThat(proxy.awaitResyncs(2, WAIT)).isTrue();
            assertThat(platform.access("sm-pg", "pg-small-id")).contains(PlanAccess.everyone());
        }

        @Test
        @DisplayName("while applying a notification still counts the notification as applied, and a resync repairs it")
        void retriedAfterNotification() throws Exception {
            String visibility = registerPgVisibleToOrg1();
            FlakyPlatform flaky = new FlakyPlatform(platform);
            startProxy(flaky);
            String widened = addOrg2(visibility, 1);
            flaky.failNext(1);

            publish(1, widened);
            assertThat(platform.access("sm-pg", "pg-small-id")).contains(PlanAccess.scoped(Set.of("org-1")));
            clock.advance(Duration.ofSeconds(1));

            assertThat(proxy.awaitResyncs(2, WAIT)).isTrue();
            assertThat(platform.access("sm-pg", "pg-small-id")).contains(PlanAccess.scoped(Set.of("org-1", "org-2")));
        }
    }

    @Nested
    @DisplayName("a notification")
    class Notifications {

        @Test
        @DisplayName("of a new visibility registers its broker and opens the plan, without reading the SM again")
        void visibilityCreated() throws Exception {
            startProxy();
            String brokerId = sm.registerBroker("pg", "small");
            stream.publish(1, SmFixture.notification(1, "/v1/service_brokers", "CREATED", null, null,
                    sm.brokerState(brokerId)));
            String visibility = sm.visibleToPlatform("pg-small-id", Map.of(ORG, List.of("org-1")));

            publish(2, SmFixture.notification(2, "/v1/visibilities", "CREATED", sm.platformId, null,
                    sm.visibilityState(visibility)));

            assertThat(platform.broker("sm-pg").orElseThrow().url()).isEqualTo(osbUrl(brokerId));
            assertThat(platform.access("sm-pg", "pg-small-id")).contains(PlanAccess.scoped(Set.of("org-1")));
            assertThat(proxy.completedResyncs()).isEqualTo(1);
            assertThat(proxy.lastAppliedRevision()).isEqualTo(2);
        }

        @Test
        @DisplayName("of a visibility's new label value widens the plan's access")
        void visibilityModified() throws Exception {
            String visibility = registerPgVisibleToOrg1();
            startProxy();
            String widened = addOrg2(visibility, 1);

            publish(1, widened);

            assertThat(platform.access("sm-pg", "pg-small-id")).contains(PlanAccess.scoped(Set.of("org-1", "org-2")));
        }

        @Test
        @DisplayName("of a deleted visibility closes the plan, and removes the broker when it was its last open plan")
        void visibilityDeleted() throws Exception {
            sm.registerBroker("pg", "small", "large");
            String small = sm.visibleToPlatform("pg-small-id", Map.of());
            String large = sm.visibleToPlatform("pg-large-id", Map.of());
            startProxy();
            var smallState = sm.visibilityState(small);
            var largeState = sm.visibilityState(large);
            sm.deleteVisibility(small);

            publish(1, SmFixture.notification(1, "/v1/visibilities", "DELETED", sm.platformId, smallState, null));
            assertThat(platform.access("sm-pg", "pg-small-id")).contains(PlanAccess.none());
            assertThat(platform.access("sm-pg", "pg-large-id")).contains(PlanAccess.everyone());

            sm.deleteVisibility(large);
            publish(2, SmFixture.notification(2, "/v1/visibilities", "DELETED", sm.platformId, largeState, null));
            assertThat(platform.broker("sm-pg")).isEmpty();
        }

        @Test
        @DisplayName("of a renamed broker renames its registration")
        void brokerRenamed() throws Exception {
            String id = registerVisiblePg();
            startProxy();
            String platformBrokerId = platform.broker("sm-pg").orElseThrow().id();
            String renamed = renameToPostgres(id, 1);

            publish(1, renamed);

            assertThat(platform.broker("sm-pg")).isEmpty();
            assertThat(platform.broker("sm-postgres").orElseThrow().id()).isEqualTo(platformBrokerId);
        }

        @Test
        @DisplayName("of a catalog refresh that adds a plan, then its visibility, makes the platform refetch the catalog")
        void catalogRefreshed() throws Exception {
            String id = registerVisiblePg();
            startProxy();
            var old = sm.brokerState(id);
            sm.changeCatalog(id, 0, "pg", "small", "xl");
            publish(1, SmFixture.notification(1, "/v1/service_brokers", "MODIFIED", null, old, sm.brokerState(id)));
            String xl = sm.visibleToAll("pg-xl-id");

            publish(2, SmFixture.notification(2, "/v1/visibilities", "CREATED", null, null, sm.visibilityState(xl)));

            assertThat(platform.access("sm-pg", "pg-xl-id")).contains(PlanAccess.everyone());
            assertThat(platform.access("sm-pg", "pg-small-id")).contains(PlanAccess.everyone());
        }

        @Test
        @DisplayName("of a deleted broker removes its registration")
        void brokerDeleted() throws Exception {
            String id = sm.registerBroker("pg", "small");
            String visibility = sm.visibleToPlatform("pg-small-id", Map.of());
            startProxy();
            var visibilityState = sm.visibilityState(visibility);
            var old = sm.brokerState(id);
            sm.deleteBroker(id);

            stream.publish(1, SmFixture.notification(1, "/v1/visibilities", "DELETED", sm.platformId, visibilityState,
                    null));
            publish(2, SmFixture.notification(2, "/v1/service_brokers", "DELETED", null, old, null));

            assertThat(platform.brokers()).isEmpty();
        }

        @Test
        @DisplayName("of a new visibility registers its broker under the name it carries, even when the broker was "
                + "renamed while the platform saw none of its plans")
        void visibilityAfterUnseenRename() throws Exception {
            String id = sm.registerBroker("foo", "small");
            String first = sm.visibleToPlatform("foo-small-id", Map.of());
            startProxy();
            var firstState = sm.visibilityState(first);
            sm.deleteVisibility(first);
            publish(1, SmFixture.notification(1, "/v1/visibilities", "DELETED", sm.platformId, firstState, null));
            assertThat(platform.brokers()).isEmpty();
            // The rename's notification is not sent here: the platform sees none of the broker's plans.
            sm.renameBroker(id, "bar");
            String second = sm.visibleToPlatform("foo-small-id", Map.of());

            publish(3, SmFixture.notification(3, "/v1/visibilities", "CREATED", sm.platformId, null,
                    sm.visibilityState(second)));

            assertThat(platform.brokers()).extracting(PlatformBroker::name).containsExactly("sm-bar");
            assertThat(platform.broker("sm-bar").orElseThrow().url()).isEqualTo(osbUrl(id));
        }

        @Test
        @DisplayName("about a resource the proxy does not mirror moves the revision on and changes nothing")
        void otherResourceIgnored() throws Exception {
            registerVisiblePg();
            startProxy();
            long changes = platform.changes();

            publish(3, "{\"id\":\"n3\",\"resource\":\"/v1/platforms\",\"type\":\"MODIFIED\",\"platform_id\":null,"
                    + "\"revision\":3,\"payload\":{}}");

            assertThat(platform.changes()).isEqualTo(changes);
            assertThat(proxy.completedResyncs()).isEqualTo(1);
        }

        @Test
        @DisplayName("sent twice changes nothing the second time")
        void replayChangesNothing() throws Exception {
            String visibility = registerPgVisibleToOrg1();
            startProxy();
            var old = sm.visibilityState(visibility);
            sm.addLabelValue(visibility, ORG, "org-2");
            String modified = SmFixture.notification(1, "/v1/visibilities", "MODIFIED", sm.platformId, old,
                    sm.visibilityState(visibility));
            publish(1, modified);
            long changes = platform.changes();

            stream.sendRaw(modified);
            publish(2, SmFixture.notification(2, "/v1/visibilities", "MODIFIED", sm.platformId, old,
                    sm.visibilityState(visibility)));

            assertThat(platform.changes()).isEqualTo(changes);
            assertThat(platform.access("sm-pg", "pg-small-id")).contains(PlanAccess.scoped(Set.of("org-1", "org-2")));
        }

        @Test
        @DisplayName("whose change the resync already saw changes nothing in the platform")
        void seenByResyncChangesNothing() throws Exception {
            String id = sm.registerBroker("pg", "small");
            String visibility = sm.visibleToPlatform("pg-small-id", Map.of());
            startProxy();
            long changes = platform.changes();

            stream.publish(1, SmFixture.notification(1, "/v1/service_brokers", "CREATED", null, null,
                    sm.brokerState(id)));
            publish(2, SmFixture.notification(2, "/v1/visibilities", "CREATED", sm.platformId, null,
                    sm.visibilityState(visibility)));

            assertThat(platform.changes()).isEqualTo(changes);
        }
    }

    @Nested
    @DisplayName("the stream")
    class Stream {

        @Test
        @DisplayName("is opened with the platform's credentials after the revision a GET without upgrade announced")
        void connectsAsThePlatform() throws Exception {
            startProxy();

            String basic = "Basic " + Base64.getEncoder().encodeToString(
                    (sm.platformUser + ":" + sm.platformPassword).getBytes(StandardCharsets.UTF_8));
            assertThat(stream.starts()).singleElement().satisfies(c -> {
                assertThat(c.query()).isNull();
                assertThat(c.authorization()).isEqualTo(basic);
            });
            eventually("the stream opened", () -> stream.openConnections() == 1);
            assertThat(stream.connections()).singleElement().satisfies(c -> {
                assertThat(c.query()).isEqualTo("last_notification_revision=0");
                assertThat(c.authorization()).isEqualTo(basic);
            });
        }

        @Test
        @DisplayName("when cut, is reopened after the last applied revision, and what was missed is applied")
        void reconnectsWithRevision() throws Exception {
            String id = registerVisiblePg();
            startProxy();
            publish(1, SmFixture.notification(1, "/v1/service_brokers", "CREATED", null, null, sm.brokerState(id)));

            stream.dropConnections();
            stream.publish(2, renameToPostgres(id, 2));

            assertThat(proxy.awaitRevision(2, WAIT)).isTrue();
            assertThat(stream.connections()).hasSize(2);
            assertThat(stream.connections().get(1).query()).isEqualTo("last_notification_revision=1");
            assertThat(stream.starts()).hasSize(1);
            assertThat(platform.broker("sm-postgres")).isPresent();
            assertThat(proxy.completedResyncs()).isEqualTo(1);
        }

        @Test
        @DisplayName("answering 410 on reconnect makes the proxy ask for the newest revision, resync fully and reconnect after it")
        void goneResyncs() throws Exception {
            String id = sm.registerBroker("pg", "small", "large");
            sm.visibleToPlatform("pg-small-id", Map.of());
            startProxy();
            publish(1, SmFixture.notification(1, "/v1/service_brokers", "CREATED", null, null, sm.brokerState(id)));
            // A change whose notification the proxy will never get: only the resync can see it.
            sm.visibleToPlatform("pg-large-id", Map.of());
            stream.answerGoneOnce();

            stream.dropConnections();

            assertThat(proxy.awaitResyncs(2, WAIT)).isTrue();
            eventually("the third connection", () -> stream.connections().size() == 3);
            assertThat(stream.connections()).extracting(NotificationServer.Connection::query,
                    NotificationServer.Connection::refused).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("last_notification_revision=0", false),
                    org.assertj.core.groups.Tuple.tuple("last_notification_revision=1", true),
                    org.assertj.core.groups.Tuple.tuple("last_notification_revision=1", false));
            assertThat(stream.starts()).hasSize(2);
            assertThat(platform.access("sm-pg", "pg-large-id")).contains(PlanAccess.everyone());
            // The newest revision the Service Manager announced before the resync.
            assertThat(proxy.lastAppliedRevision()).isEqualTo(1);
        }

        @Test
        @DisplayName("answering 410 again after the resync the first 410 caused makes the proxy wait for the backoff "
                + "before the next resync, instead of resyncing back to back")
        void repeatedGoneBacksOff() throws Exception {
            registerVisiblePg();
            stream.refuseUpgrades(410, 410, 410, 410);

            proxy = BrokerProxy.builder()
                    .serviceManager(URI.create(sm.baseUrl()), sm.platformUser, sm.platformPassword)
                    .notificationsUri(URI.create(stream.baseUrl() + "/v1/notifications"))
                    .platform(platform)
                    .reconnectBackoff(Duration.ofHours(1), Duration.ofHours(2))
                    .random(new java.util.Random(7))
                    .clock(clock)
                    .build().start();

            // The first 410 resyncs at once; the second waits at least half an hour of backoff.
            assertThat(proxy.awaitResyncs(2, WAIT)).isTrue();
            eventually("the second refused upgrade", () -> stream.connections().size() == 2);
            assertThat(proxy.awaitResyncs(3, Duration.ofMillis(500))).as("a third resync").isFalse();
            assertThat(stream.connections()).extracting(NotificationServer.Connection::refused).containsExactly(true, true);
            assertThat(stream.starts()).hasSize(2);
            assertThat(proxy.isConnected()).isFalse();
            assertThat(platform.broker("sm-pg")).isPresent();
        }

        @Test
        @DisplayName("sending a bad frame is logged and makes the proxy resync, and it goes on applying notifications")
        void badFrameResyncs() throws Exception {
            String id = registerVisiblePg();
            startProxy();

            stream.sendRaw("{\"revision\": \"not a number\"");

            assertThat(proxy.awaitResyncs(2, WAIT)).isTrue();
            eventually("a second connection", () -> stream.openConnections() == 1 && stream.connections().size() == 2);
            assertThat(stream.connections().get(1).query()).isEqualTo("last_notification_revision=0");
            assertThat(stream.starts()).hasSize(2);
            publish(5, renameToPostgres(id, 5));
            assertThat(platform.broker("sm-postgres")).isPresent();
        }

        @Test
        @DisplayName("announces its newest revision to a GET without upgrade, which the proxy takes as applied after its resync")
        void takesAnnouncedRevision() throws Exception {
            String id = registerVisiblePg();
            String before = SmFixture.notification(7, "/v1/service_brokers", "CREATED", null, null, sm.brokerState(id));
            stream.publish(7, before);

            startProxy();
            eventually("revision 7", () -> proxy.lastAppliedRevision() == 7);
            stream.dropConnections();

            eventually("a reconnect", () -> stream.connections().size() == 2 && stream.openConnections() == 1);
            assertThat(stream.connections().get(1).query()).isEqualTo("last_notification_revision=7");
            assertThat(proxy.completedResyncs()).isEqualTo(1);
        }

        @Test
        @DisplayName("may fragment a notification and ping the proxy, which reassembles the one and answers the other")
        void fragmentsAndPings() throws Exception {
            String id = registerVisiblePg();
            startProxy();
            String renamed = renameToPostgres(id, 1);

            stream.ping();
            stream.publishFragmented(1, renamed);

            assertThat(proxy.awaitRevision(1, WAIT)).isTrue();
            assertThat(platform.broker("sm-postgres")).isPresent();
            eventually("a pong", () -> stream.pongs() == 1);
        }

        @Test
        @DisplayName("is pinged every third of the max_ping_period the GET without upgrade announced, timed by the clock")
        void pingsByClock() throws Exception {
            try (RawWebSocketServer raw = new RawWebSocketServer()) {
                RawWebSocketServer.Peer peer = openRaw(raw, 3000);

                clock.advance(Duration.ofMillis(999));
                peer.socket.setSoTimeout(500);
                assertThatThrownBy(peer::read).isInstanceOf(java.net.SocketTimeoutException.class);
                clock.advance(Duration.ofMillis(1));
                peer.socket.setSoTimeout((int) WAIT.toMillis());

                RawWebSocketServer.Frame ping = peer.read();
                assertThat(ping.opcode()).isEqualTo(0x9);
                assertThat(ping.masked()).isTrue();
            }
        }

        @Test
        @DisplayName("takes the revision and the ping period from the GET's headers when its body lacks them")
        void valuesFromHeaders() throws Exception {
            try (RawWebSocketServer raw = new RawWebSocketServer()) {
                RawWebSocketServer.Peer peer = openRaw(raw, platform,
                        Map.of("last_notification_revision", "4", "max_ping_period", "3000"), "{}");
                assertThat(proxy.lastAppliedRevision()).isEqualTo(4);

                clock.advance(Duration.ofMillis(1000));

                assertThat(peer.read().opcode()).isEqualTo(0x9);
            }
        }

        @Test
        @DisplayName("silent for three max_ping_periods on the clock is given up and reopened after the last revision")
        void silenceReconnects() throws Exception {
            try (RawWebSocketServer raw = new RawWebSocketServer()) {
                openRaw(raw, 3000);

                clock.advance(Duration.ofMillis(9000));

                RawWebSocketServer.Peer again = raw.accept(WAIT);
                assertThat(again.isUpgrade()).isTrue();
                assertThat(again.requestHead.get(0)).contains("last_notification_revision=4");
                assertThat(proxy.completedResyncs()).isEqualTo(1);
            }
        }

        @Test
        @DisplayName("is read one message at a time: while the platform is slow, the Service Manager's writes stall "
                + "instead of the proxy buffering them, and all is applied once it goes on")
        void backpressure() throws Exception {
            String id = registerVisiblePg();
            try (RawWebSocketServer raw = new RawWebSocketServer()) {
                HeldRename held = holdRename(raw, id);
                RawWebSocketServer.Peer peer = held.peer();
                java.util.concurrent.CountDownLatch gate = held.gate();

                // 32 MB of notifications the proxy does not mirror: far more than the TCP buffers hold.
                int count = 128;
                String pad = "x".repeat(256 * 1024);
                java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();
                Thread writer = new Thread(() -> {
                    try {
                        for (int i = 0; i < count; i++) {
                            long revision = 6 + i;
                            peer.sendText(true, 0x1, "{\"id\":\"n" + revision + "\",\"resource\":\"/v1/platforms\","
                                    + "\"type\":\"MODIFIED\",\"platform_id\":null,\"revision\":" + revision
                                    + ",\"payload\":{\"pad\":\"" + pad + "\"}}");
                            written.incrementAndGet();
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                writer.start();
                int before;
                do {
                    before = written.get();
                    Thread.sleep(500);
                } while (written.get() != before && written.get() < count);

                assertThat(written.get()).as("notifications written while the platform holds").isLessThan(count);
                gate.countDown();
                writer.join(WAIT.toMillis());
                assertThat(written.get()).isEqualTo(count);
                assertThat(proxy.awaitRevision(5 + count, WAIT)).isTrue();
                assertThat(platform.broker("sm-postgres")).isPresent();
            }
        }

        @Test
        @DisplayName("cut while the platform is busy with a notification is noticed once it is done, and reopened after it")
        void cutWhileBusy() throws Exception {
            String id = registerVisiblePg();
            try (RawWebSocketServer raw = new RawWebSocketServer()) {
                HeldRename held = holdRename(raw, id);
                RawWebSocketServer.Peer peer = held.peer();
                java.util.concurrent.CountDownLatch gate = held.gate();

                peer.socket.close();
                Thread.sleep(200);
                gate.countDown();

                RawWebSocketServer.Peer again = raw.accept(WAIT);
                assertThat(again.isUpgrade()).isTrue();
                assertThat(again.requestHead.get(0)).contains("last_notification_revision=5");
                assertThat(platform.broker("sm-postgres")).isPresent();
            }
        }

        /** Starts the proxy against {@code raw}: answers its GET (newest revision 4), then its upgrade. */
        private RawWebSocketServer.Peer openRaw(RawWebSocketServer raw, long maxPingPeriod) throws Exception {
            return openRaw(raw, maxPingPeriod, platform);
        }

        private RawWebSocketServer.Peer openRaw(RawWebSocketServer raw, long maxPingPeriod, Platform target)
                throws Exception {
            return openRaw(raw, target, Map.of(), "{\"last_notification_revision\":4,\"max_ping_period\":"
                    + maxPingPeriod + "}");
        }

        /** Starts the proxy against {@code raw}: answers its GET with these headers and body, then its upgrade. */
        private RawWebSocketServer.Peer openRaw(RawWebSocketServer raw, Platform target, Map<String, String> headers,
                                                String body) throws Exception {
            proxy = buildProxy(target, raw.wsUrl()).start();
            RawWebSocketServer.Peer get = raw.accept(WAIT);
            assertThat(get.isUpgrade()).isFalse();
            Map<String, String> answerHeaders = new java.util.HashMap<>(headers);
            // Closing, so that the client opens the stream on a new connection this server accepts.
            answerHeaders.put("Connection", "close");
            get.answer(200, answerHeaders, body);
            RawWebSocketServer.Peer peer = raw.accept(WAIT);
            assertThat(peer.isUpgrade()).isTrue();
            assertThat(peer.requestHead.get(0)).contains("last_notification_revision=4");
            peer.upgrade(Map.of(), null);
            eventually("the stream open", proxy::isConnected);
            assertThat(proxy.completedResyncs()).isEqualTo(1);
            return peer;
        }

        /** The stream to a proxy whose platform holds the rename sent at revision 5, until {@code gate} opens. */
        private record HeldRename(RawWebSocketServer.Peer peer, java.util.concurrent.CountDownLatch gate) {
        }

        /**
         * Starts the proxy against {@code raw} (ping period 60 s) on a platform that holds its next
         * change, sends it the rename of broker {@code id} to postgres at revision 5, and waits until
         * the platform holds it.
         */
        private HeldRename holdRename(RawWebSocketServer raw, String id) throws Exception {
            FlakyPlatform slow = new FlakyPlatform(platform);
            RawWebSocketServer.Peer peer = openRaw(raw, 60000, slow);
            java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            slow.holdUntil(gate);
            peer.sendText(true, 0x1, renameToPostgres(id, 5));
            eventually("the platform holding the rename", slow::holding);
            return new HeldRename(peer, gate);
        }

        @Test
        @DisplayName("that refuses (503 to the GET, 502 and 401 to the upgrade) is retried, and a resync brings the platform in line meanwhile")
        void retriesRefusals() throws Exception {
            registerVisiblePg();
            stream.refuseStarts(503);
            stream.refuseUpgrades(502, 401);

            proxy = buildProxy(platform, stream.baseUrl() + "/v1/notifications").start();

            assertThat(proxy.awaitResyncs(1, WAIT)).isTrue();
            assertThat(platform.broker("sm-pg")).isPresent();
            eventually("the stream open", proxy::isConnected);
            // The server notes a connection once its upgrade is done, which may come after the client's.
            eventually("the server saw the third upgrade", () -> stream.connections().size() == 3);
            assertThat(stream.starts()).extracting(NotificationServer.Connection::refused).containsExactly(true, false);
            assertThat(stream.connections()).extracting(NotificationServer.Connection::refused)
                    .containsExactly(true, true, false);
            assertThat(stream.connections()).extracting(NotificationServer.Connection::query)
                    .containsOnly("last_notification_revision=0");
            // One resync while the GET failed, one after it answered; the refused upgrades need none.
            assertThat(proxy.completedResyncs()).isEqualTo(2);
        }
    }
}
