package org.servicemanager.proxy.cf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.servicemanager.proxy.BrokerRegistration;
import org.servicemanager.proxy.PlanAccess;
import org.servicemanager.proxy.Platform;
import org.servicemanager.proxy.PlatformBroker;
import org.servicemanager.proxy.PlatformException;
import org.servicemanager.proxy.PlatformPlan;
import org.servicemanager.proxy.cf.internal.CfClient;
import org.servicemanager.proxy.cf.internal.UaaTokens;

/**
 * Cloud Foundry as the proxy's {@link Platform}, through the Cloud Controller v3 API: brokers are
 * {@code /v3/service_brokers} (whose create, update and delete run as jobs, awaited here), plans
 * are {@code /v3/service_plans}, and plan access is each plan's visibility ({@code admin}: none,
 * {@code public}: everyone, {@code organization}: the organizations whose GUIDs are the scopes).
 * Calls are authenticated with a UAA token of a client (client-credentials grant), cached until
 * shortly before it expires.
 *
 * <pre>{@code
 * Platform cf = CloudFoundryPlatform.builder()
 *         .apiUrl("https://api.sys.example.com")
 *         .client("sm-proxy", secret)     // a UAA client with cloud_controller.admin
 *         .build();                       // the UAA is found at the API's root unless tokenUrl(...) is set
 * }</pre>
 *
 * <p>Thread-safe: the token cache is shared and every call stands alone.
 */
public final class CloudFoundryPlatform implements Platform {
    /** The label key of Service Manager visibilities that names a Cloud Foundry organization. */
    public static final String ORGANIZATION_GUID = "organization_guid";

    private final CfClient cf;
    private final ObjectMapper json;
    private final int pageSize;

    private CloudFoundryPlatform(Builder b) {
        this.json = new ObjectMapper();
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(b.connectTimeout)
                // The Cloud Controller answers everything at the address asked; a redirect would
                // carry our bearer token elsewhere.
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        String apiBase = CfClient.trimSlash(b.apiUrl.toString());
        URI tokenUrl = b.tokenUrl;
        Duration requestTimeout = b.requestTimeout;
        UaaTokens tokens = new UaaTokens(http, json,
                () -> tokenUrl != null ? tokenUrl : CfClient.discoverTokenUrl(http, json, apiBase, requestTimeout),
                b.clientId, b.clientSecret, b.requestTimeout, b.clock);
        this.cf = new CfClient(http, json, apiBase, tokens, b.requestTimeout, b.clock, b.jobPollInterval, b.jobTimeout);
        this.pageSize = b.pageSize;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@value #ORGANIZATION_GUID}: plan access is scoped by organization. */
    @Override
    public String scopeLabelKey() {
        return ORGANIZATION_GUID;
    }

    /**
     * The global brokers. Space-scoped ones ({@code relationships.space.data} set) are left out:
     * a space developer registered them, whatever their name, and the proxy must never adopt,
     * change or remove them. The Cloud Controller has no filter for global brokers only, so they
     * are dropped here.
     */
    @Override
    public List<PlatformBroker> brokers() {
        List<PlatformBroker> brokers = new ArrayList<>();
        for (JsonNode broker : cf.list("/v3/service_brokers?per_page=" + pageSize, "listing service brokers")) {
            JsonNode space = broker.path("relationships").path("space").path("data");
            if (space.isMissingNode() || space.isNull()) {
                brokers.add(broker(broker));
            }
        }
        return brokers;
    }

    @Override
    public PlatformBroker createBroker(BrokerRegistration registration) {
        String what = "registering service broker " + registration.name();
        CfClient.Response accepted = cf.expect("POST", "/v3/service_brokers", brokerBody(registration), what, 202);
        JsonNode job = cf.awaitJob(accepted, what);
        String guid = brokerGuid(job);
        if (guid == null) {
            guid = findByName(registration.name(), what);
        }
        return new PlatformBroker(guid, registration.name(), registration.url());
    }

    @Override
    public PlatformBroker updateBroker(String brokerId, BrokerRegistration registration) {
        String what = "updating service broker " + brokerId + " to " + registration.name();
        // Name, URL and credentials are always sent: any of them makes the Cloud Controller fetch
        // the catalog again, which is the point of this call even when nothing else changed.
        CfClient.Response answer = cf.expect("PATCH", "/v3/service_brokers/" + brokerId, brokerBody(registration), what,
                202, 200);
        if (answer.status() == 202) {
            cf.awaitJob(answer, what);
        }
        return new PlatformBroker(brokerId, registration.name(), registration.url());
    }

    @Override
    public void deleteBroker(String brokerId) {
        String what = "deleting service broker " + brokerId;
        CfClient.Response answer = cf.expect("DELETE", "/v3/service_brokers/" + brokerId, null, what, 202, 204, 404);
        if (answer.status() == 202) {
            cf.awaitJob(answer, what);
        }
    }

    @Override
    public List<PlatformPlan> plans(String brokerId) {
        List<PlatformPlan> plans = new ArrayList<>();
        String what = "listing the plans of service broker " + brokerId;
        for (JsonNode plan : cf.list("/v3/service_plans?service_broker_guids=" + CfClient.param(brokerId)
                + "&per_page=" + pageSize, what)) {
            plans.add(new PlatformPlan(plan.path("broker_catalog").path("id").asText(), plan.path("name").asText(null),
                    access(plan, what)));
        }
        return plans;
    }

    @Override
    public void setAccess(String brokerId, String catalogPlanId, PlanAccess access) {
        Objects.requireNonNull(access, "access");
        String what = "setting the access of plan " + catalogPlanId + " of service broker " + brokerId + " to " + access;
        List<JsonNode> found = cf.list("/v3/service_plans?service_broker_guids=" + CfClient.param(brokerId)
                + "&broker_catalog_ids=" + CfClient.param(catalogPlanId) + "&per_page=" + pageSize, what);
        // broker_catalog_ids is a filter of the Cloud Controller, but matching again here keeps a
        // controller that ignores it from making us change the wrong plan.
        List<JsonNode> plans = found.stream()
                .filter(p -> catalogPlanId.equals(p.path("broker_catalog").path("id").asText())).toList();
        if (plans.isEmpty()) {
            throw new PlatformException(what + " failed: the broker has no such plan in Cloud Foundry");
        }
        for (JsonNode plan : plans) {
            if (access(plan, what).equals(access)) {
                continue;
            }
            ObjectNode body = json.createObjectNode();
            switch (access.kind()) {
                case NONE -> body.put("type", "admin");
                case EVERYONE -> body.put("type", "public");
                case SCOPED -> {
                    // PATCH replaces the organizations (POST would add to them), so the plan ends
                    // with exactly these.
                    body.put("type", "organization");
                    ArrayNode orgs = body.putArray("organizations");
                    access.scopes().stream().sorted().forEach(guid -> orgs.addObject().put("guid", guid));
                }
            }
            cf.expect("PATCH", "/v3/service_plans/" + plan.path("guid").asText() + "/visibility", body, what, 200);
        }
    }

    private PlanAccess access(JsonNode plan, String what) {
        String type = plan.path("visibility_type").asText("");
        switch (type) {
            case "public":
                return PlanAccess.everyone();
            case "organization": {
                JsonNode visibility = cf.expect("GET", "/v3/service_plans/" + plan.path("guid").asText() + "/visibility",
                        null, what, 200).body();
                Set<String> orgs = new TreeSet<>();
                visibility.path("organizations").forEach(org -> orgs.add(org.path("guid").asText()));
                return PlanAccess.scoped(orgs);
            }
            default:
                // admin, and space (plans of space-scoped brokers, which the proxy never registers):
                // no access the proxy grants.
                return PlanAccess.none();
        }
    }

    private ObjectNode brokerBody(BrokerRegistration registration) {
        ObjectNode body = json.createObjectNode();
        body.put("name", registration.name());
        body.put("url", registration.url());
        ObjectNode auth = body.putObject("authentication");
        auth.put("type", "basic");
        auth.putObject("credentials").put("username", registration.username()).put("password", registration.password());
        return body;
    }

    private String findByName(String name, String what) {
        for (JsonNode broker : cf.list("/v3/service_brokers?names=" + CfClient.param(name) + "&per_page=" + pageSize, what)) {
            if (name.equals(broker.path("name").asText())) {
                return broker.path("guid").asText();
            }
        }
        throw new PlatformException(what + ": its job completed but no broker is named " + name);
    }

    private static String brokerGuid(JsonNode job) {
        String href = job.path("links").path("service_brokers").path("href").asText("");
        if (href.isEmpty()) {
            return null;
        }
        String path = URI.create(href).getPath();
        String guid = path.substring(path.lastIndexOf('/') + 1);
        return guid.isEmpty() ? null : guid;
    }

    private static PlatformBroker broker(JsonNode broker) {
        return new PlatformBroker(broker.path("guid").asText(), broker.path("name").asText(), broker.path("url").asText());
    }

    /**
     * Configures a {@link CloudFoundryPlatform}. Each setter checks its value at once and names a
     * bad one; {@link #build()} checks that the required ones were set. Not thread-safe.
     */
    public static final class Builder {
        private URI apiUrl;
        private URI tokenUrl;
        private String clientId;
        private String clientSecret;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(60);
        private int pageSize = 500;
        private Duration jobPollInterval = Duration.ofSeconds(2);
        private Duration jobTimeout = Duration.ofMinutes(5);
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The Cloud Controller, such as {@code https://api.sys.example.com}. Required. */
        public Builder apiUrl(String url) {
            this.apiUrl = httpUrl("apiUrl", url);
            return this;
        }

        /**
         * UAA's token endpoint, such as {@code https://uaa.sys.example.com/oauth/token}. Optional:
         * by default it is found at the first token request from the API's root document
         * ({@code links.uaa}, else {@code links.login}).
         */
        public Builder tokenUrl(String url) {
            this.tokenUrl = httpUrl("tokenUrl", url);
            return this;
        }

        /**
         * The UAA client whose tokens authenticate every call (client-credentials grant); it needs
         * the Cloud Controller admin scope to manage brokers and plan visibility. Required.
         */
        public Builder client(String id, String secret) {
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException("client id must be non-blank, was " + (id == null ? "null" : "'" + id + "'"));
            }
            if (secret == null || secret.isEmpty()) {
                // Never echo a secret, not even a malformed one.
                throw new IllegalArgumentException("client secret must be non-empty");
            }
            this.clientId = id;
            this.clientSecret = secret;
            return this;
        }

        /** How long to wait for a connection to the Cloud Controller or UAA (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /** How long to wait for one answer (default 60 s). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive("requestTimeout", timeout);
            return this;
        }

        /** Resources asked per page of a list, 1 to 5000 (the Cloud Controller's maximum; default 500). */
        public Builder pageSize(int size) {
            if (size < 1 || size > 5000) {
                throw new IllegalArgumentException("pageSize must be between 1 and 5000, was " + size);
            }
            this.pageSize = size;
            return this;
        }

        /** The pause between two polls of a broker job (default 2 s; zero polls at once again). */
        public Builder jobPollInterval(Duration interval) {
            Objects.requireNonNull(interval, "jobPollInterval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("jobPollInterval must not be negative, was " + interval);
            }
            this.jobPollInterval = interval;
            return this;
        }

        /** How long a broker job may run before the call fails (default 5 min). */
        public Builder jobTimeout(Duration timeout) {
            this.jobTimeout = positive("jobTimeout", timeout);
            return this;
        }

        /** The clock for token expiry and job deadlines (default the system's, UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public CloudFoundryPlatform build() {
            if (apiUrl == null) {
                throw new IllegalStateException("apiUrl is required");
            }
            if (clientId == null) {
                throw new IllegalStateException("client (id and secret) is required");
            }
            return new CloudFoundryPlatform(this);
        }

        private static URI httpUrl(String name, String url) {
            if (url == null) {
                throw new IllegalArgumentException(name + " must be an http(s) URL, was null");
            }
            URI uri;
            try {
                uri = new URI(url);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException(name + " must be an http(s) URL, was '" + url + "'", e);
            }
            if (uri.getUserInfo() != null) {
                // Not echoed: the user info may hold a password.
                throw new IllegalArgumentException(name + " must be an http(s) URL without user info");
            }
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
                throw new IllegalArgumentException(name + " must be an http(s) URL without query or fragment, was '"
                        + url + "'");
            }
            return uri;
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
            return value;
        }
    }
}
