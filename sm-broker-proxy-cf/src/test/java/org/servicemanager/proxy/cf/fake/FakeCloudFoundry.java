package org.servicemanager.proxy.cf.fake;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.common.ConsoleNotifier;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A fake Cloud Foundry on {@code 127.0.0.1} with a free port: the Cloud Controller v3 endpoints the
 * proxy uses ({@code /v3/service_brokers}, {@code /v3/jobs}, {@code /v3/service_plans} and their
 * {@code /visibility}) and a UAA token endpoint at {@code <url>/uaa/oauth/token}, which the root
 * document {@code GET /} links as {@code uaa} and {@code login}.
 *
 * <p>Like Cloud Foundry it is stateful: creating or updating a broker answers {@code 202} with a
 * job, and when that job runs the fake fetches {@code GET <broker url>/v2/catalog} over HTTP with
 * the registered credentials and {@code X-Broker-API-Version: 2.17}, and creates or refreshes the
 * broker's plans (new plans are {@code admin}-visible; removed ones vanish). A job answers
 * {@code PROCESSING} to its first poll ({@link #processingPolls}) and runs at the next one, ending
 * {@code COMPLETE}, or {@code FAILED} with the Cloud Controller's error when the catalog fetch
 * fails. Calls need a bearer token of UAA ({@code 401 CF-NotAuthenticated} / {@code
 * CF-InvalidAuthToken} otherwise); errors are CF bodies {@code {"errors":[{code,title,detail}]}},
 * lists are paginated ({@code page}, {@code per_page}, with {@code first/last/next/previous}).
 *
 * <pre>{@code
 * try (FakeCloudFoundry cf = FakeCloudFoundry.start()) {
 *     Platform platform = CloudFoundryPlatform.builder().apiUrl(cf.url())
 *             .client(FakeCloudFoundry.CLIENT_ID, FakeCloudFoundry.CLIENT_SECRET).build();
 *     cf.organization("org-1", "one");                    // before granting plans to it
 *     ...
 *     assertThat(cf.plans()).extracting(FakeCloudFoundry.Plan::visibilityType).containsOnly("admin");
 *     cf.wireMock().verify(0, patchRequestedFor(urlPathMatching("/v3/service_plans/.+/visibility")));
 * }
 * }</pre>
 *
 * <p>Every request goes through one catch-all WireMock stub, so {@link #wireMock()}'s journal and
 * {@code verify} see them all; do not call WireMock's {@code resetAll()} or {@code resetMappings()}
 * (that removes the stub), use {@link #resetRequests()} or {@link #reset()}. Stubs added at a higher
 * priority (a lower number than 100) answer instead of the fake. Thread-safe.
 */
public final class FakeCloudFoundry implements AutoCloseable {
    /** A UAA client every fake knows from the start. */
    public static final String CLIENT_ID = "sm-proxy";
    /** The secret of {@link #CLIENT_ID}. */
    public static final String CLIENT_SECRET = "sm-proxy-secret";

    private final WireMockServer server;
    private final FakeCfApi api;

    /** A registered broker. {@code state} is the Cloud Controller's (AVAILABLE, SYNCHRONIZING, ...). */
    public record Broker(String guid, String name, String url, String username, String password, String state) {
        /** Never shows the password. */
        @Override
        public String toString() {
            return "Broker[guid=" + guid + ", name=" + name + ", url=" + url + ", username=" + username + ", state="
                    + state + "]";
        }
    }

    /**
     * A plan from a broker's catalog: {@code visibilityType} is public, admin or organization, and
     * {@code organizations} the GUIDs it is visible to when organization.
     */
    public record Plan(String guid, String brokerGuid, String catalogId, String name, String visibilityType,
            Set<String> organizations) {
    }

    /** A broker job: operation such as {@code service_broker.update}, state PROCESSING, COMPLETE or FAILED. */
    public record Job(String guid, String operation, String brokerGuid, String state) {
    }

    private FakeCloudFoundry(WireMockServer server, FakeCfApi api) {
        this.server = server;
        this.api = api;
    }

    /** Starts a fake on {@code 127.0.0.1} with a free port, knowing the client {@link #CLIENT_ID}. */
    public static FakeCloudFoundry start() {
        FakeCfApi api = new FakeCfApi();
        WireMockServer server = new WireMockServer(options()
                .bindAddress("127.0.0.1")
                .dynamicPort()
                .notifier(new ConsoleNotifier(false))
                .extensions(api));
        server.start();
        FakeCloudFoundry cf = new FakeCloudFoundry(server, api);
        api.baseUrl(cf.url());
        cf.installStub();
        api.client(CLIENT_ID, CLIENT_SECRET);
        return cf;
    }

    private void installStub() {
        server.stubFor(any(anyUrl()).atPriority(100).willReturn(aResponse().withTransformers(FakeCfApi.NAME)));
    }

    /** The Cloud Controller's URL, {@code http://127.0.0.1:port}, without a trailing slash. */
    public String url() {
        return "http://127.0.0.1:" + server.port();
    }

    /** UAA's token endpoint, which {@code GET /} links to. */
    public String tokenUrl() {
        return url() + FakeCfApi.UAA_PATH + "/oauth/token";
    }

    /** The WireMock server, for {@code verify}, the request journal, or stubs that override the fake. */
    public WireMockServer wireMock() {
        return server;
    }

    /** Adds (or changes the secret of) a UAA client allowed the client-credentials grant. */
    public FakeCloudFoundry client(String id, String secret) {
        api.client(Objects.requireNonNull(id, "id"), Objects.requireNonNull(secret, "secret"));
        return this;
    }

    /** The {@code expires_in} of tokens issued from now on (default one hour); the fake enforces it. */
    public FakeCloudFoundry tokenLifetime(Duration lifetime) {
        api.tokenLifetime(Objects.requireNonNull(lifetime, "lifetime"));
        return this;
    }

    /** The clock for token expiry and timestamps (default the system's). */
    public FakeCloudFoundry clock(Clock clock) {
        api.clock(Objects.requireNonNull(clock, "clock"));
        return this;
    }

    /** Every token issued so far is refused from now on ({@code 401 CF-InvalidAuthToken}). */
    public FakeCloudFoundry expireTokens() {
        api.expireTokens();
        return this;
    }

    /** How many tokens UAA has issued since start or {@link #reset()}. */
    public int tokensIssued() {
        return api.tokensIssued();
    }

    /**
     * Adds an organization. Plan visibility can only name organizations the fake knows ({@code 422}
     * otherwise, as in Cloud Foundry).
     */
    public FakeCloudFoundry organization(String guid, String name) {
        api.organization(Objects.requireNonNull(guid, "guid"), Objects.requireNonNull(name, "name"));
        return this;
    }

    /**
     * Registers a broker directly, as an operator would (no job): fetches its catalog now and
     * creates its plans, admin-visible. Throws if the catalog cannot be fetched. Returns its GUID.
     */
    public String registerBroker(String name, String url, String username, String password) {
        return api.registerBroker(Objects.requireNonNull(name, "name"), Objects.requireNonNull(url, "url"),
                Objects.requireNonNull(username, "username"), Objects.requireNonNull(password, "password"));
    }

    /**
     * Registers a space-scoped broker directly, as a space developer would: like
     * {@link #registerBroker}, but listed with {@code relationships.space.data.guid} set to this
     * space. Its plans are created {@code admin}-visible too (Cloud Foundry shows them as
     * {@code space}; the fake does not model that). Returns its GUID.
     */
    public String registerSpaceScopedBroker(String name, String url, String username, String password,
            String spaceGuid) {
        return api.registerBroker(Objects.requireNonNull(name, "name"), Objects.requireNonNull(url, "url"),
                Objects.requireNonNull(username, "username"), Objects.requireNonNull(password, "password"),
                Objects.requireNonNull(spaceGuid, "spaceGuid"));
    }

    /** Sets a plan's visibility directly: type public, admin or organization (with organization GUIDs). */
    public FakeCloudFoundry setVisibility(String planGuid, String type, String... organizationGuids) {
        api.setVisibility(planGuid, type, Set.of(organizationGuids));
        return this;
    }

    /** Every registered broker, in creation order. */
    public List<Broker> brokers() {
        return api.brokers();
    }

    /** The broker of this name, if any. */
    public Optional<Broker> broker(String name) {
        return brokers().stream().filter(b -> b.name().equals(name)).findFirst();
    }

    /** Every plan of every broker. */
    public List<Plan> plans() {
        return api.plans();
    }

    /** The plans of one broker. */
    public List<Plan> plans(String brokerGuid) {
        return plans().stream().filter(p -> p.brokerGuid().equals(brokerGuid)).toList();
    }

    /** The plan of this broker with this catalog id, if any. */
    public Optional<Plan> plan(String brokerGuid, String catalogId) {
        return plans(brokerGuid).stream().filter(p -> p.catalogId().equals(catalogId)).findFirst();
    }

    /** Every broker job, in creation order. */
    public List<Job> jobs() {
        return api.jobs();
    }

    /** The next broker job to run ends FAILED with a CF-ServiceBrokerBadResponse error of this detail. */
    public FakeCloudFoundry failNextJob(String detail) {
        api.failNextJob(Objects.requireNonNull(detail, "detail"));
        return this;
    }

    /** While true, jobs stay PROCESSING however often they are polled. */
    public FakeCloudFoundry holdJobs(boolean hold) {
        api.holdJobs(hold);
        return this;
    }

    /** How many polls a job answers PROCESSING before it runs (default 1; 0 runs at the first poll). */
    public FakeCloudFoundry processingPolls(int polls) {
        if (polls < 0) {
            throw new IllegalArgumentException("polls must not be negative, was " + polls);
        }
        api.processingPolls(polls);
        return this;
    }

    /**
     * The next request with this method whose path starts with {@code pathPrefix} gets this status
     * and a CF error body, without touching the fake's state.
     */
    public FakeCloudFoundry failNextRequest(String method, String pathPrefix, int status, String title, int code,
            String detail) {
        api.failNextRequest(method, pathPrefix, status, title, code, detail);
        return this;
    }

    /** Forgets the requests WireMock recorded (the fake's state stays). */
    public FakeCloudFoundry resetRequests() {
        server.resetRequests();
        return this;
    }

    /**
     * Forgets brokers, plans, jobs, tokens, injected failures and recorded requests, and lets jobs
     * run again after one PROCESSING poll; clients, organizations, token lifetime and clock stay.
     */
    public FakeCloudFoundry reset() {
        api.reset();
        server.resetRequests();
        return this;
    }

    /** Stops the server. */
    public void stop() {
        server.stop();
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "FakeCloudFoundry[" + url() + "]";
    }
}
