package org.servicemanager.proxy.cf;

import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.servicemanager.proxy.BrokerRegistration;
import org.servicemanager.proxy.PlanAccess;
import org.servicemanager.proxy.PlatformBroker;
import org.servicemanager.proxy.PlatformException;
import org.servicemanager.proxy.PlatformPlan;
import org.servicemanager.proxy.cf.fake.FakeCloudFoundry;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.broker.RecordedRequest;
import org.servicemanager.test.time.MutableClock;

@DisplayName("The Cloud Foundry platform against a fake Cloud Controller and UAA")
class CloudFoundryPlatformTest {
    private static final Instant START = Instant.parse("2026-11-29T08:00:00Z");
    private static final String VISIBILITY = "/v3/service_plans/.+/visibility";

    private static FakeCloudFoundry cf;
    private FakeBroker broker;

    @BeforeAll
    static void startCloudFoundry() {
        cf = FakeCloudFoundry.start().organization("org-1", "one").organization("org-2", "two")
                .organization("org-3", "three");
    }

    @AfterAll
    static void stopCloudFoundry() {
        cf.close();
    }

    @BeforeEach
    void setUp() {
        cf.reset().client(FakeCloudFoundry.CLIENT_ID, FakeCloudFoundry.CLIENT_SECRET).tokenLifetime(Duration.ofHours(1));
        broker = FakeBroker.start().withBasicAuth("platform-user", "platform-pass");
    }

    @AfterEach
    void tearDown() {
        broker.close();
    }

    private static CloudFoundryPlatform platform() {
        return platform(b -> b);
    }

    private static CloudFoundryPlatform platform(UnaryOperator<CloudFoundryPlatform.Builder> more) {
        return more.apply(CloudFoundryPlatform.builder()
                .apiUrl(cf.url())
                .client(FakeCloudFoundry.CLIENT_ID, FakeCloudFoundry.CLIENT_SECRET)
                .jobPollInterval(Duration.ZERO))
                .build();
    }

    private BrokerRegistration registration(String name) {
        return new BrokerRegistration(name, broker.url(), "platform-user", "platform-pass");
    }

    private String registerByHand(String name) {
        return cf.registerBroker(name, broker.url(), "platform-user", "platform-pass");
    }

    @Test
    @DisplayName("scopes plan access by organization_guid")
    void scopeLabel() {
        assertThat(platform().scopeLabelKey()).isEqualTo("organization_guid");
    }

    @Nested
    @DisplayName("brokers")
    class Brokers {

        @Test
        @DisplayName("are listed over every page, following the next links")
        void listsEveryPage() {
            for (int i = 1; i <= 7; i++) {
                registerByHand("broker-" + i);
            }

            List<PlatformBroker> brokers = platform(b -> b.pageSize(3)).brokers();

            assertThat(brokers).extracting(PlatformBroker::name)
                    .containsExactly("broker-1", "broker-2", "broker-3", "broker-4", "broker-5", "broker-6", "broker-7");
            assertThat(brokers).allSatisfy(b -> assertThat(b.url()).isEqualTo(broker.url()));
            cf.wireMock().verify(3, getRequestedFor(urlPathEqualTo("/v3/service_brokers")));
        }

        @Test
        @DisplayName("that are space-scoped are not listed, so the proxy never adopts, changes or removes a space "
                + "developer's broker, whatever its name")
        void spaceScopedNotListed() {
            registerByHand("sm-global");
            cf.registerSpaceScopedBroker("sm-db", broker.url(), "platform-user", "platform-pass", "space-1");

            assertThat(platform().brokers()).extracting(PlatformBroker::name).containsExactly("sm-global");
            assertThat(cf.brokers()).extracting(FakeCloudFoundry.Broker::name).containsExactly("sm-global", "sm-db");
        }

        @Test
        @DisplayName("are registered through a job, during which Cloud Foundry fetches the catalog with the given credentials")
        void create() {
            PlatformBroker created = platform().createBroker(registration("sm-db"));

            FakeCloudFoundry.Broker registered = cf.broker("sm-db").orElseThrow();
            assertThat(created).isEqualTo(new PlatformBroker(registered.guid(), "sm-db", broker.url()));
            assertThat(registered.state()).isEqualTo("AVAILABLE");
            assertThat(cf.jobs()).singleElement().extracting(FakeCloudFoundry.Job::state).isEqualTo("COMPLETE");
            RecordedRequest catalogCall = broker.requests(FakeBroker.CATALOG_PATH).get(0);
            assertThat(catalogCall.header("X-Broker-API-Version")).contains("2.17");
            assertThat(cf.plans(registered.guid())).extracting(FakeCloudFoundry.Plan::catalogId, FakeCloudFoundry.Plan::visibilityType)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("small-id", "admin"),
                            org.assertj.core.groups.Tuple.tuple("large-id", "admin"));
            // The job answered PROCESSING once before it ran, so it was polled twice.
            cf.wireMock().verify(2, getRequestedFor(urlPathMatching("/v3/jobs/.+")));
        }

        @Test
        @DisplayName("fail to register with the job's errors when Cloud Foundry cannot fetch the catalog")
        void createFailsOnCatalog() {
            BrokerRegistration wrongCredentials = new BrokerRegistration("sm-db", broker.url(), "platform-user", "nope");

            assertThatThrownBy(() -> platform().createBroker(wrongCredentials))
                    .isInstanceOf(PlatformException.class)
                    .hasMessageContaining("registering service broker sm-db failed")
                    .hasMessageContaining("CF-ServiceBrokerRequestRejected")
                    .hasMessageContaining("Status Code: 401")
                    .hasMessageNotContaining("nope");
        }

        @Test
        @DisplayName("are found by name when the completed job does not link the broker")
        void createFindsGuidByName() {
            StubMapping jobWithoutLinks = cf.wireMock().stubFor(get(urlPathMatching("/v3/jobs/.+")).atPriority(1)
                    .willReturn(okJson("{\"guid\":\"j\",\"state\":\"COMPLETE\",\"errors\":[],\"links\":{}}")));
            try {
                PlatformBroker created = platform().createBroker(registration("sm-db"));

                assertThat(created.id()).isEqualTo(cf.broker("sm-db").orElseThrow().guid());
                cf.wireMock().verify(1, getRequestedFor(urlEqualTo("/v3/service_brokers?names=sm-db&per_page=500")));
            } finally {
                cf.wireMock().removeStub(jobWithoutLinks);
            }
        }

        @Test
        @DisplayName("fail to register when the job fails, naming its errors")
        void createFailsWithJob() {
            cf.failNextJob("the catalog went away");

            assertThatThrownBy(() -> platform().createBroker(registration("sm-db")))
                    .isInstanceOf(PlatformException.class)
                    .hasMessageContaining("FAILED: CF-ServiceBrokerBadResponse (10001): the catalog went away");
        }

        @Test
        @DisplayName("fail to register under a name taken, with the Cloud Controller's error")
        void nameTaken() {
            registerByHand("sm-db");

            assertThatThrownBy(() -> platform().createBroker(registration("sm-db")))
                    .isInstanceOf(PlatformException.class)
                    .hasMessageContaining("POST /v3/service_brokers answered 422: CF-UnprocessableEntity (10008): Name must be unique");
        }

        @Test
        @DisplayName("fail when a job runs past the job timeout")
        void jobTimeout() {
            cf.holdJobs(true);
            CloudFoundryPlatform platform = platform(b -> b.clock(MutableClock.ticking(START, Duration.ofSeconds(1)))
                    .jobTimeout(Duration.ofSeconds(10)));

            assertThatThrownBy(() -> platform.createBroker(registration("sm-db")))
                    .isInstanceOf(PlatformException.class)
                    .hasMessageContaining("still PROCESSING after PT10S");
        }

        @Test
        @DisplayName("are updated through a job that fetches the catalog again, keeping the access of plans that stay")
        void update() {
            CloudFoundryPlatform platform = platform();
            PlatformBroker created = platform.createBroker(registration("sm-db"));
            platform.setAccess(created.id(), "small-id", PlanAccess.everyone());
            broker.catalog(Catalogs.of(Catalogs.offering("fake-service").id("fake-service-id")
                    .plan(Catalogs.plan("small")).plan(Catalogs.plan("medium"))));
            try (FakeBroker moved = FakeBroker.start().withBasicAuth("other-user", "other-pass")) {
                moved.catalog(broker.catalog());

                PlatformBroker updated = platform.updateBroker(created.id(),
                        new BrokerRegistration("sm-db-renamed", moved.url(), "other-user", "other-pass"));

                assertThat(updated).isEqualTo(new PlatformBroker(created.id(), "sm-db-renamed", moved.url()));
                assertThat(cf.brokers()).singleElement().satisfies(b -> {
                    assertThat(b.name()).isEqualTo("sm-db-renamed");
                    assertThat(b.url()).isEqualTo(moved.url());
                    assertThat(b.username()).isEqualTo("other-user");
                });
                assertThat(moved.catalogCalls()).isEqualTo(1);
            }
            assertThat(platform.plans(created.id())).extracting(PlatformPlan::catalogPlanId, PlatformPlan::access)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("small-id", PlanAccess.everyone()),
                            org.assertj.core.groups.Tuple.tuple("medium-id", PlanAccess.none()));
        }

        @Test
        @DisplayName("are updated even when nothing changed, so that Cloud Foundry learns new plans")
        void updateUnchanged() {
            CloudFoundryPlatform platform = platform();
            PlatformBroker created = platform.createBroker(registration("sm-db"));
            broker.catalog(Catalogs.of(Catalogs.offering("fake-service").plan(Catalogs.plan("small"))
                    .plan(Catalogs.plan("large")).plan(Catalogs.plan("huge"))));

            platform.updateBroker(created.id(), registration("sm-db"));

            assertThat(broker.catalogCalls()).isEqualTo(2);
            assertThat(cf.plan(created.id(), "huge-id")).isPresent();
        }

        @Test
        @DisplayName("keep their registration when the update's catalog fetch fails")
        void updateFails() {
            CloudFoundryPlatform platform = platform();
            PlatformBroker created = platform.createBroker(registration("sm-db"));

            assertThatThrownBy(() -> platform.updateBroker(created.id(),
                    new BrokerRegistration("sm-db-2", broker.url(), "platform-user", "wrong")))
                    .isInstanceOf(PlatformException.class)
                    .hasMessageContaining("CF-ServiceBrokerRequestRejected");
            assertThat(cf.broker("sm-db")).isPresent();
        }

        @Test
        @DisplayName("that are unknown cannot be updated: the Cloud Controller's 404 is named")
        void updateUnknown() {
            assertThatThrownBy(() -> platform().updateBroker("no-such-guid", registration("sm-db")))
                    .isInstanceOf(PlatformException.class)
                    .hasMessageContaining("404: CF-ResourceNotFound (10010): Service broker not found");
        }

        @Test
        @DisplayName("are deleted through a job, with their plans")
        void delete() {
            CloudFoundryPlatform platform = platform();
            PlatformBroker created = platform.createBroker(registration("sm-db"));

            platform.deleteBroker(created.id());

            assertThat(cf.brokers()).isEmpty();
            assertThat(cf.plans()).isEmpty();
            assertThat(cf.jobs()).extracting(FakeCloudFoundry.Job::operation, FakeCloudFoundry.Job::state)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("service_broker.catalog.synchronize", "COMPLETE"),
                            org.assertj.core.groups.Tuple.tuple("service_broker.delete", "COMPLETE"));
        }

        @Test
        @DisplayName("that are gone already are deleted without error")
        void deleteGone() {
            platform().deleteBroker("no-such-guid");

            cf.wireMock().verify(1, deleteRequestedFor(urlEqualTo("/v3/service_brokers/no-such-guid")));
            assertThat(cf.jobs()).isEmpty();
        }
    }

    @Nested
    @DisplayName("plans")
    class Plans {

        private String fivePlans() {
            broker.catalog(Catalogs.of(Catalogs.offering("db").plan(Catalogs.plan("p1")).plan(Catalogs.plan("p2"))
                    .plan(Catalogs.plan("p3")).plan(Catalogs.plan("p4")).plan(Catalogs.plan("p5"))));
            return registerByHand("sm-db");
        }

        @Test
        @DisplayName("are listed over every page with their access read from their visibility")
        void listed() {
            String guid = fivePlans();
            cf.setVisibility(cf.plan(guid, "p2-id").orElseThrow().guid(), "public");
            cf.setVisibility(cf.plan(guid, "p3-id").orElseThrow().guid(), "organization", "org-1", "org-2");

            List<PlatformPlan> plans = platform(b -> b.pageSize(2)).plans(guid);

            assertThat(plans).extracting(PlatformPlan::catalogPlanId, PlatformPlan::name, PlatformPlan::access)
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple("p1-id", "p1", PlanAccess.none()),
                            org.assertj.core.groups.Tuple.tuple("p2-id", "p2", PlanAccess.everyone()),
                            org.assertj.core.groups.Tuple.tuple("p3-id", "p3", PlanAccess.scoped(Set.of("org-1", "org-2"))),
                            org.assertj.core.groups.Tuple.tuple("p4-id", "p4", PlanAccess.none()),
                            org.assertj.core.groups.Tuple.tuple("p5-id", "p5", PlanAccess.none()));
            cf.wireMock().verify(3, getRequestedFor(urlPathEqualTo("/v3/service_plans")));
            // Only the organization-visible plan needs its visibility read.
            cf.wireMock().verify(1, getRequestedFor(urlPathMatching(VISIBILITY)));
        }

        @Test
        @DisplayName("of another broker are not listed")
        void onlyThisBroker() {
            String guid = fivePlans();
            registerByHand("other");

            assertThat(platform().plans(guid)).hasSize(5);
        }

        @Test
        @DisplayName("are opened to everyone as public")
        void everyone() {
            String guid = fivePlans();

            platform().setAccess(guid, "p1-id", PlanAccess.everyone());

            assertThat(cf.plan(guid, "p1-id").orElseThrow().visibilityType()).isEqualTo("public");
        }

        @Test
        @DisplayName("are limited to exactly the organizations given, replacing those they had")
        void scoped() {
            String guid = fivePlans();
            CloudFoundryPlatform platform = platform();
            platform.setAccess(guid, "p1-id", PlanAccess.scoped(Set.of("org-1", "org-2")));

            platform.setAccess(guid, "p1-id", PlanAccess.scoped(Set.of("org-2", "org-3")));

            FakeCloudFoundry.Plan plan = cf.plan(guid, "p1-id").orElseThrow();
            assertThat(plan.visibilityType()).isEqualTo("organization");
            assertThat(plan.organizations()).containsExactlyInAnyOrder("org-2", "org-3");
        }

        @Test
        @DisplayName("are closed to all but admins as admin")
        void none() {
            String guid = fivePlans();
            cf.setVisibility(cf.plan(guid, "p1-id").orElseThrow().guid(), "organization", "org-1");

            platform().setAccess(guid, "p1-id", PlanAccess.none());

            FakeCloudFoundry.Plan plan = cf.plan(guid, "p1-id").orElseThrow();
            assertThat(plan.visibilityType()).isEqualTo("admin");
            assertThat(plan.organizations()).isEmpty();
        }

        @Test
        @DisplayName("keep the access they have without any change sent to Cloud Foundry")
        void idempotent() {
            String guid = fivePlans();
            cf.setVisibility(cf.plan(guid, "p2-id").orElseThrow().guid(), "public");
            cf.setVisibility(cf.plan(guid, "p3-id").orElseThrow().guid(), "organization", "org-1", "org-2");
            CloudFoundryPlatform platform = platform();

            platform.setAccess(guid, "p1-id", PlanAccess.none());
            platform.setAccess(guid, "p2-id", PlanAccess.everyone());
            platform.setAccess(guid, "p3-id", PlanAccess.scoped(Set.of("org-2", "org-1")));

            cf.wireMock().verify(0, patchRequestedFor(urlPathMatching(VISIBILITY)));
            cf.wireMock().verify(0, postRequestedFor(urlPathMatching(VISIBILITY)));
        }

        @Test
        @DisplayName("that the broker lacks cannot be changed")
        void unknownPlan() {
            String guid = fivePlans();

            assertThatThrownBy(() -> platform().setAccess(guid, "p9-id", PlanAccess.everyone()))
                    .isInstanceOf(PlatformException.class)
                    .hasMessageContaining("plan p9-id of service broker " + guid)
                    .hasMessageContaining("no such plan");
        }

        @Test
        @DisplayName("cannot be granted to an organization Cloud Foundry does not know: its 422 is named")
        void unknownOrganization() {
            String guid = fivePlans();

            assertThatThrownBy(() -> platform().setAccess(guid, "p1-id", PlanAccess.scoped(Set.of("org-404"))))
                    .isInstanceOf(PlatformException.class)
                    .hasMessageContaining("answered 422: CF-UnprocessableEntity (10008)")
                    .hasMessageContaining("org-404");
        }
    }

    @Nested
    @DisplayName("UAA tokens")
    class Tokens {

        @Test
        @DisplayName("are fetched once and reused while valid")
        void cached() {
            registerByHand("broker");
            CloudFoundryPlatform platform = platform();

            platform.brokers();
            platform.brokers();
            platform.plans(cf.brokers().get(0).guid());

            assertThat(cf.tokensIssued()).isEqualTo(1);
            cf.wireMock().verify(1, postRequestedFor(urlEqualTo("/uaa/oauth/token")));
        }

        @Test
        @DisplayName("are found through the API root's uaa link unless a token URL is given")
        void discovery() {
            platform().brokers();
            cf.wireMock().verify(1, getRequestedFor(urlEqualTo("/")));

            cf.resetRequests();
            platform(b -> b.tokenUrl(cf.tokenUrl())).brokers();
            cf.wireMock().verify(0, getRequestedFor(urlEqualTo("/")));
            cf.wireMock().verify(1, postRequestedFor(urlEqualTo("/uaa/oauth/token")));
        }

        @Test
        @DisplayName("are fetched again shortly before they expire")
        void refreshedBeforeExpiry() {
            cf.tokenLifetime(Duration.ofMinutes(10));
            MutableClock clock = new MutableClock(START);
            CloudFoundryPlatform platform = platform(b -> b.clock(clock));
            platform.brokers();

            clock.advance(Duration.ofSeconds(569));
            platform.brokers();
            assertThat(cf.tokensIssued()).isEqualTo(1);

            clock.advance(Duration.ofSeconds(2));
            platform.brokers();
            assertThat(cf.tokensIssued()).isEqualTo(2);
        }

        @Test
        @DisplayName("refused with 401 are replaced once and the call is repeated")
        void refreshedOn401() {
            registerByHand("broker");
            CloudFoundryPlatform platform = platform();
            platform.brokers();
            cf.expireTokens();

            assertThat(platform.brokers()).hasSize(1);

            assertThat(cf.tokensIssued()).isEqualTo(2);
            cf.wireMock().verify(3, getRequestedFor(urlPathEqualTo("/v3/service_brokers")));
        }

        @Test
        @DisplayName("are not replaced a second time when the fresh one is refused too")
        void second401Fails() {
            cf.failNextRequest("GET", "/v3/service_brokers", 401, "CF-InvalidAuthToken", 1000, "Invalid Auth Token");
            cf.failNextRequest("GET", "/v3/service_brokers", 401, "CF-InvalidAuthToken", 1000, "Invalid Auth Token");

            assertThatThrownBy(() -> platform().brokers())
                    .isInstanceOf(PlatformException.class)
                    .hasMessageContaining("answered 401: CF-InvalidAuthToken (1000): Invalid Auth Token");
            assertThat(cf.tokensIssued()).isEqualTo(2);
        }

        @Test
        @DisplayName("are refused to a client with a wrong secret, with UAA's reason and without the secret")
        void badClient() {
            CloudFoundryPlatform platform = CloudFoundryPlatform.builder().apiUrl(cf.url())
                    .client(FakeCloudFoundry.CLIENT_ID, "wrong-secret").build();

            assertThatThrownBy(platform::brokers)
                    .isInstanceOf(PlatformException.class)
                    .hasMessageContaining("refused a token to client sm-proxy (status 401, unauthorized: Bad credentials)")
                    .hasMessageNotContaining("wrong-secret");
        }
    }
}
