package org.servicemanager.proxy.cf.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The state and behaviour of the fake Cloud Controller and UAA, plugged into WireMock as a
 * response transformer on one catch-all stub, so that WireMock's request journal (and its
 * {@code verify}) sees every call. Written from the public CF v3 API reference: status codes,
 * asynchronous broker jobs, pagination links and {@code {"errors":[...]}} bodies. Thread-safe: state
 * is guarded by {@code this}; a broker's catalog is fetched outside the lock.
 */
final class FakeCfApi implements ResponseDefinitionTransformerV2 {
    static final String NAME = "fake-cloud-foundry";
    static final String UAA_PATH = "/uaa";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private String baseUrl = "http://127.0.0.1";
    private Clock clock = Clock.systemUTC();
    private Duration tokenLifetime = Duration.ofHours(1);
    private int processingPolls = 1;
    private boolean holdJobs;
    private final Deque<String> nextJobFailures = new ArrayDeque<>();
    private final Deque<InjectedFailure> injected = new ArrayDeque<>();

    private final Map<String, String> clients = new HashMap<>();
    private final Map<String, Instant> tokens = new HashMap<>();
    private int tokensIssued;
    private final Map<String, String> organizations = new LinkedHashMap<>();
    private final Map<String, BrokerState> brokers = new LinkedHashMap<>();
    private final Map<String, OfferingState> offerings = new LinkedHashMap<>();
    private final Map<String, PlanState> plans = new LinkedHashMap<>();
    private final Map<String, JobState> jobs = new LinkedHashMap<>();

    static final class BrokerState {
        final String guid;
        String name;
        String url;
        String username;
        String password;
        String state = "SYNCHRONIZING";
        /** The space of a space-scoped broker (registered by a space developer), null for a global one. */
        String spaceGuid;
        final Instant createdAt;
        Instant updatedAt;

        BrokerState(String guid, String name, String url, String username, String password, Instant now) {
            this.guid = guid;
            this.name = name;
            this.url = url;
            this.username = username;
            this.password = password;
            this.createdAt = now;
            this.updatedAt = now;
        }
    }

    static final class OfferingState {
        final String guid = UUID.randomUUID().toString();
        final String brokerGuid;
        final String catalogId;
        String name;

        OfferingState(String brokerGuid, String catalogId) {
            this.brokerGuid = brokerGuid;
            this.catalogId = catalogId;
        }
    }

    static final class PlanState {
        final String guid = UUID.randomUUID().toString();
        final String brokerGuid;
        final String offeringGuid;
        final String catalogId;
        String name;
        String description;
        boolean free;
        String visibilityType = "admin";
        final Set<String> organizations = new TreeSet<>();
        final Instant createdAt;
        Instant updatedAt;

        PlanState(String brokerGuid, String offeringGuid, String catalogId, Instant now) {
            this.brokerGuid = brokerGuid;
            this.offeringGuid = offeringGuid;
            this.catalogId = catalogId;
            this.createdAt = now;
            this.updatedAt = now;
        }
    }

    enum JobKind {
        CREATE("service_broker.catalog.synchronize"),
        UPDATE("service_broker.update"),
        DELETE("service_broker.delete");

        final String operation;

        JobKind(String operation) {
            this.operation = operation;
        }
    }

    static final class JobState {
        final String guid = UUID.randomUUID().toString();
        final JobKind kind;
        final String brokerGuid;
        final BrokerState pending;
        String state = "PROCESSING";
        boolean running;
        int polls;
        final List<ObjectNode> errors = new ArrayList<>();
        final Instant createdAt;
        Instant updatedAt;

        JobState(JobKind kind, String brokerGuid, BrokerState pending, Instant now) {
            this.kind = kind;
            this.brokerGuid = brokerGuid;
            this.pending = pending;
            this.createdAt = now;
            this.updatedAt = now;
        }
    }

    record InjectedFailure(String method, String pathPrefix, int status, String body) {
    }

    /** A reply before it becomes a WireMock response definition. */
    record Reply(int status, String body, Map<String, String> headers) {
    }

    /** A catalog fetch's outcome: the catalog, or the job error it causes. */
    private record Fetched(JsonNode catalog, ObjectNode error) {
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public boolean applyGlobally() {
        return false;
    }

    @Override
    public ResponseDefinition transform(ServeEvent serveEvent) {
        Reply reply = handle(serveEvent.getRequest());
        ResponseDefinitionBuilder builder = new ResponseDefinitionBuilder().withStatus(reply.status());
        reply.headers().forEach(builder::withHeader);
        if (reply.body() != null) {
            builder.withHeader("Content-Type", "application/json;charset=utf-8").withBody(reply.body());
        }
        return builder.build();
    }

    // ---- configuration, called through FakeCloudFoundry ----

    synchronized void baseUrl(String url) {
        this.baseUrl = url;
    }

    synchronized String baseUrl() {
        return baseUrl;
    }

    synchronized void clock(Clock clock) {
        this.clock = clock;
    }

    synchronized void client(String id, String secret) {
        clients.put(id, secret);
    }

    synchronized void tokenLifetime(Duration lifetime) {
        this.tokenLifetime = lifetime;
    }

    synchronized void expireTokens() {
        tokens.clear();
    }

    synchronized int tokensIssued() {
        return tokensIssued;
    }

    synchronized void processingPolls(int polls) {
        this.processingPolls = polls;
    }

    synchronized void holdJobs(boolean hold) {
        this.holdJobs = hold;
    }

    synchronized void failNextJob(String detail) {
        nextJobFailures.add(detail);
    }

    synchronized void failNextRequest(String method, String pathPrefix, int status, String title, int code, String detail) {
        injected.add(new InjectedFailure(method, pathPrefix, status, errorBody(title, code, detail)));
    }

    synchronized void organization(String guid, String name) {
        organizations.put(guid, name);
    }

    synchronized void setVisibility(String planGuid, String type, Set<String> orgs) {
        PlanState plan = plans.get(planGuid);
        if (plan == null) {
            throw new IllegalArgumentException("no plan " + planGuid);
        }
        plan.visibilityType = type;
        plan.organizations.clear();
        plan.organizations.addAll(orgs);
    }

    synchronized void reset() {
        brokers.clear();
        offerings.clear();
        plans.clear();
        jobs.clear();
        tokens.clear();
        tokensIssued = 0;
        nextJobFailures.clear();
        injected.clear();
        holdJobs = false;
        processingPolls = 1;
    }

    // ---- inspection ----

    synchronized List<FakeCloudFoundry.Broker> brokers() {
        return brokers.values().stream()
                .map(b -> new FakeCloudFoundry.Broker(b.guid, b.name, b.url, b.username, b.password, b.state)).toList();
    }

    synchronized List<FakeCloudFoundry.Plan> plans() {
        return plans.values().stream().map(p -> new FakeCloudFoundry.Plan(p.guid, p.brokerGuid, p.catalogId, p.name,
                p.visibilityType, Set.copyOf(p.organizations))).toList();
    }

    synchronized List<FakeCloudFoundry.Job> jobs() {
        return jobs.values().stream().map(j -> new FakeCloudFoundry.Job(j.guid, j.kind.operation, j.brokerGuid, j.state))
                .toList();
    }

    /** Registers a broker at once, as an operator would by hand, fetching its catalog now. */
    String registerBroker(String name, String url, String username, String password) {
        return registerBroker(name, url, username, password, null);
    }

    /**
     * Registers a broker at once, fetching its catalog now: global, or space-scoped (as a space
     * developer would) when {@code spaceGuid} is not null.
     */
    String registerBroker(String name, String url, String username, String password, String spaceGuid) {
        BrokerState broker;
        synchronized (this) {
            if (brokers.values().stream().anyMatch(b -> b.name.equals(name))) {
                throw new IllegalArgumentException("a broker is named " + name + " already");
            }
            broker = new BrokerState(UUID.randomUUID().toString(), name, url, username, password, now());
            broker.spaceGuid = spaceGuid;
        }
        Fetched fetched = fetchCatalog(url, username, password);
        if (fetched.error() != null) {
            throw new IllegalStateException("catalog of " + url + ": " + fetched.error());
        }
        synchronized (this) {
            brokers.put(broker.guid, broker);
            applyCatalog(broker, fetched.catalog());
            broker.state = "AVAILABLE";
        }
        return broker.guid;
    }

    // ---- request handling ----

    private Reply handle(Request request) {
        String method = request.getMethod().getName();
        String url = request.getUrl();
        int q = url.indexOf('?');
        String path = q < 0 ? url : url.substring(0, q);
        Map<String, String> query = q < 0 ? Map.of() : parseQuery(url.substring(q + 1));
        synchronized (this) {
            for (Iterator<InjectedFailure> it = injected.iterator(); it.hasNext(); ) {
                InjectedFailure failure = it.next();
                if (failure.method().equalsIgnoreCase(method) && path.startsWith(failure.pathPrefix())) {
                    it.remove();
                    return new Reply(failure.status(), failure.body(), Map.of());
                }
            }
        }
        if (path.equals("/") && method.equals("GET")) {
            return root();
        }
        if (path.equals(UAA_PATH + "/oauth/token") && method.equals("POST")) {
            return token(request);
        }
        if (!path.startsWith("/v3/")) {
            return notFound("Unknown request");
        }
        Reply refused = authenticate(request.getHeader("Authorization"));
        if (refused != null) {
            return refused;
        }
        String[] parts = path.substring(1).split("/");
        try {
            switch (parts.length > 1 ? parts[1] : "") {
                case "service_brokers":
                    if (parts.length == 2 && method.equals("GET")) {
                        return listBrokers(path, query);
                    }
                    if (parts.length == 2 && method.equals("POST")) {
                        return createBroker(body(request));
                    }
                    if (parts.length == 3 && method.equals("GET")) {
                        return getBroker(parts[2]);
                    }
                    if (parts.length == 3 && method.equals("PATCH")) {
                        return updateBroker(parts[2], body(request));
                    }
                    if (parts.length == 3 && method.equals("DELETE")) {
                        return deleteBroker(parts[2]);
                    }
                    break;
                case "jobs":
                    if (parts.length == 3 && method.equals("GET")) {
                        return pollJob(parts[2]);
                    }
                    break;
                case "service_plans":
                    if (parts.length == 2 && method.equals("GET")) {
                        return listPlans(path, query);
                    }
                    if (parts.length == 3 && method.equals("GET")) {
                        return getPlan(parts[2]);
                    }
                    if (parts.length == 4 && parts[3].equals("visibility") && method.equals("GET")) {
                        return getVisibility(parts[2]);
                    }
                    if (parts.length == 4 && parts[3].equals("visibility")
                            && (method.equals("PATCH") || method.equals("POST"))) {
                        return setVisibility(parts[2], body(request), method.equals("PATCH"));
                    }
                    break;
                default:
                    break;
            }
        } catch (BadRequest e) {
            return e.reply;
        }
        return notFound("Unknown request");
    }

    private synchronized Reply root() {
        ObjectNode body = json.createObjectNode();
        ObjectNode links = body.putObject("links");
        links.putObject("self").put("href", baseUrl);
        links.putNull("cloud_controller_v2");
        links.putObject("cloud_controller_v3").put("href", baseUrl + "/v3").putObject("meta").put("version", "3.180.0");
        links.putObject("login").put("href", baseUrl + UAA_PATH);
        links.putObject("uaa").put("href", baseUrl + UAA_PATH);
        links.putNull("network_policy_v0");
        links.putNull("logging");
        return ok(200, body);
    }

    private synchronized Reply token(Request request) {
        String id = null;
        String secret = null;
        String auth = request.getHeader("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            String pair = new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = pair.indexOf(':');
            if (colon > 0) {
                id = URLDecoder.decode(pair.substring(0, colon), StandardCharsets.UTF_8);
                secret = URLDecoder.decode(pair.substring(colon + 1), StandardCharsets.UTF_8);
            }
        }
        Map<String, String> form = parseQuery(request.getBodyAsString());
        if (id == null) {
            id = form.get("client_id");
            secret = form.get("client_secret");
        }
        if (id == null || secret == null || !secret.equals(clients.get(id))) {
            return uaaError(401, "unauthorized", "Bad credentials");
        }
        String grant = form.get("grant_type");
        if (grant == null) {
            return uaaError(400, "invalid_request", "Missing grant type");
        }
        if (!grant.equals("client_credentials")) {
            return uaaError(400, "unsupported_grant_type", "Unsupported grant type: " + grant);
        }
        String token = "fake-cf-" + UUID.randomUUID();
        tokens.put(token, now().plus(tokenLifetime));
        tokensIssued++;
        ObjectNode body = json.createObjectNode();
        body.put("access_token", token);
        body.put("token_type", "bearer");
        body.put("expires_in", tokenLifetime.toSeconds());
        body.put("scope", "cloud_controller.admin cloud_controller.read cloud_controller.write");
        body.put("jti", UUID.randomUUID().toString().replace("-", ""));
        return ok(200, body);
    }

    private synchronized Reply authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "bearer ", 0, 7)) {
            return error(401, "CF-NotAuthenticated", 10002,
                    "No auth token was given, but authentication is required for this endpoint");
        }
        Instant expiry = tokens.get(authorization.substring(7).trim());
        if (expiry == null || !now().isBefore(expiry)) {
            return error(401, "CF-InvalidAuthToken", 1000, "Invalid Auth Token");
        }
        return null;
    }

    private synchronized Reply listBrokers(String path, Map<String, String> query) {
        Predicate<BrokerState> filter = inList(query, "names", (BrokerState b) -> b.name)
                .and(inList(query, "guids", (BrokerState b) -> b.guid));
        List<ObjectNode> resources = brokers.values().stream().filter(filter).map(this::brokerJson).toList();
        return page(path, query, resources);
    }

    private synchronized Reply getBroker(String guid) {
        BrokerState broker = brokers.get(guid);
        return broker == null ? notFound("Service broker not found") : ok(200, brokerJson(broker));
    }

    private synchronized Reply createBroker(JsonNode body) {
        BrokerState fields = brokerFields(body, null);
        if (brokers.values().stream().anyMatch(b -> b.name.equals(fields.name))) {
            return error(422, "CF-UnprocessableEntity", 10008, "Name must be unique");
        }
        BrokerState broker = new BrokerState(UUID.randomUUID().toString(), fields.name, fields.url, fields.username,
                fields.password, now());
        brokers.put(broker.guid, broker);
        return accepted(new JobState(JobKind.CREATE, broker.guid, null, now()));
    }

    private synchronized Reply updateBroker(String guid, JsonNode body) {
        BrokerState broker = brokers.get(guid);
        if (broker == null) {
            return notFound("Service broker not found");
        }
        BrokerState pending = brokerFields(body, broker);
        if (brokers.values().stream().anyMatch(b -> b != broker && b.name.equals(pending.name))) {
            return error(422, "CF-UnprocessableEntity", 10008, "Name must be unique");
        }
        if (!body.has("name") && !body.has("url") && !body.has("authentication")) {
            // Only metadata: the Cloud Controller answers at once, without a job.
            return ok(200, brokerJson(broker));
        }
        broker.state = "SYNCHRONIZING";
        return accepted(new JobState(JobKind.UPDATE, guid, pending, now()));
    }

    private synchronized Reply deleteBroker(String guid) {
        BrokerState broker = brokers.get(guid);
        if (broker == null) {
            return notFound("Service broker not found");
        }
        broker.state = "DELETE_IN_PROGRESS";
        return accepted(new JobState(JobKind.DELETE, guid, null, now()));
    }

    private Reply pollJob(String guid) {
        JobState job;
        BrokerState target;
        synchronized (this) {
            job = jobs.get(guid);
            if (job == null) {
                return notFound("Job not found");
            }
            job.polls++;
            boolean due = !job.running && job.state.equals("PROCESSING") && !holdJobs && job.polls > processingPolls;
            if (!due) {
                return ok(200, jobJson(job));
            }
            job.running = true;
            target = job.pending != null ? job.pending : brokers.get(job.brokerGuid);
            if (!nextJobFailures.isEmpty()) {
                finish(job, cfError("CF-ServiceBrokerBadResponse", 10001, nextJobFailures.poll()));
                return ok(200, jobJson(job));
            }
            if (job.kind == JobKind.DELETE) {
                removeBroker(job.brokerGuid);
                finish(job, null);
                return ok(200, jobJson(job));
            }
            if (target == null) {
                finish(job, cfError("CF-ResourceNotFound", 10010, "Service broker not found"));
                return ok(200, jobJson(job));
            }
        }
        // The broker's catalog is fetched without holding the lock, like the Cloud Controller's
        // job worker, so other calls go on meanwhile.
        Fetched fetched = fetchCatalog(target.url, target.username, target.password);
        synchronized (this) {
            BrokerState broker = brokers.get(job.brokerGuid);
            if (broker == null) {
                finish(job, cfError("CF-ResourceNotFound", 10010, "Service broker not found"));
            } else if (fetched.error() != null) {
                broker.state = "SYNCHRONIZATION_FAILED";
                finish(job, fetched.error());
            } else {
                if (job.pending != null) {
                    broker.name = job.pending.name;
                    broker.url = job.pending.url;
                    broker.username = job.pending.username;
                    broker.password = job.pending.password;
                }
                applyCatalog(broker, fetched.catalog());
                broker.state = "AVAILABLE";
                broker.updatedAt = now();
                finish(job, null);
            }
            return ok(200, jobJson(job));
        }
    }

    private void finish(JobState job, ObjectNode error) {
        job.running = false;
        job.updatedAt = now();
        if (error == null) {
            job.state = "COMPLETE";
        } else {
            job.state = "FAILED";
            job.errors.add(error);
            BrokerState broker = brokers.get(job.brokerGuid);
            if (broker != null && job.kind == JobKind.DELETE) {
                broker.state = "DELETE_FAILED";
            } else if (broker != null) {
                broker.state = "SYNCHRONIZATION_FAILED";
            }
        }
    }

    private synchronized Reply listPlans(String path, Map<String, String> query) {
        Predicate<PlanState> filter = inList(query, "service_broker_guids", (PlanState p) -> p.brokerGuid)
                .and(inList(query, "broker_catalog_ids", (PlanState p) -> p.catalogId))
                .and(inList(query, "names", (PlanState p) -> p.name))
                .and(inList(query, "service_offering_guids", (PlanState p) -> p.offeringGuid))
                .and(inList(query, "guids", (PlanState p) -> p.guid));
        return page(path, query, plans.values().stream().filter(filter).map(this::planJson).toList());
    }

    private synchronized Reply getPlan(String guid) {
        PlanState plan = plans.get(guid);
        return plan == null ? notFound("Service plan not found") : ok(200, planJson(plan));
    }

    private synchronized Reply getVisibility(String guid) {
        PlanState plan = plans.get(guid);
        return plan == null ? notFound("Service plan not found") : ok(200, visibilityJson(plan));
    }

    private synchronized Reply setVisibility(String guid, JsonNode body, boolean replace) {
        PlanState plan = plans.get(guid);
        if (plan == null) {
            return notFound("Service plan not found");
        }
        String type = body.path("type").asText("");
        if (!Set.of("public", "admin", "organization").contains(type)) {
            return unprocessable("Type must be one of 'public', 'admin', 'organization'");
        }
        Set<String> orgs = new LinkedHashSet<>();
        JsonNode given = body.path("organizations");
        if (type.equals("organization")) {
            if (!given.isArray() || given.isEmpty()) {
                return unprocessable("Organizations must be specified when type is 'organization'");
            }
            given.forEach(o -> orgs.add(o.path("guid").asText("")));
            List<String> unknown = orgs.stream().filter(o -> !organizations.containsKey(o)).toList();
            if (!unknown.isEmpty()) {
                return unprocessable("Could not find organizations with guids: " + unknown);
            }
        } else if (given.isArray() && !given.isEmpty()) {
            return unprocessable("Organizations can only be specified when type is 'organization'");
        }
        if (!replace && type.equals("organization") && plan.visibilityType.equals("organization")) {
            orgs.addAll(plan.organizations);
        }
        plan.visibilityType = type;
        plan.organizations.clear();
        plan.organizations.addAll(orgs);
        plan.updatedAt = now();
        return ok(200, visibilityJson(plan));
    }

    // ---- catalogs ----

    private Fetched fetchCatalog(String url, String username, String password) {
        String catalogUrl = (url.endsWith("/") ? url.substring(0, url.length() - 1) : url) + "/v2/catalog";
        String pair = username + ":" + password;
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(URI.create(catalogUrl))
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)))
                    .header("X-Broker-API-Version", "2.17")
                    .header("Accept", "application/json")
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | IllegalArgumentException e) {
            return new Fetched(null, cfError("CF-ServiceBrokerApiUnreachable", 10001,
                    "The service broker could not be reached: " + catalogUrl));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Fetched(null, cfError("CF-ServiceBrokerApiUnreachable", 10001, "Interrupted: " + catalogUrl));
        }
        if (response.statusCode() != 200) {
            return new Fetched(null, cfError("CF-ServiceBrokerRequestRejected", 10001,
                    "The service broker rejected the request to " + catalogUrl + ". Status Code: " + response.statusCode()));
        }
        JsonNode catalog;
        try {
            catalog = json.readTree(response.body());
        } catch (IOException e) {
            return new Fetched(null, cfError("CF-ServiceBrokerResponseMalformed", 10001,
                    "The service broker response was not understood: " + catalogUrl));
        }
        List<String> problems = new ArrayList<>();
        JsonNode services = catalog == null ? null : catalog.path("services");
        if (services == null || !services.isArray()) {
            problems.add("Service broker catalog is invalid: services must be an array");
        } else {
            for (JsonNode service : services) {
                if (service.path("id").asText("").isEmpty() || service.path("name").asText("").isEmpty()) {
                    problems.add("Service id and name must be non-empty strings");
                }
                if (!service.path("plans").isArray() || service.path("plans").isEmpty()) {
                    problems.add("Service " + service.path("name").asText() + " must have at least one plan");
                }
                for (JsonNode plan : service.path("plans")) {
                    if (plan.path("id").asText("").isEmpty() || plan.path("name").asText("").isEmpty()) {
                        problems.add("Plan id and name must be non-empty strings");
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            return new Fetched(null, cfError("CF-ServiceBrokerCatalogInvalid", 270012, String.join("; ", problems)));
        }
        return new Fetched(catalog, null);
    }

    /** Makes the broker's offerings and plans those of the catalog, keeping the visibility of plans it had. */
    private void applyCatalog(BrokerState broker, JsonNode catalog) {
        Set<String> keptOfferings = new HashSet<>();
        Set<String> keptPlans = new HashSet<>();
        for (JsonNode service : catalog.path("services")) {
            String serviceId = service.path("id").asText();
            OfferingState offering = offerings.values().stream()
                    .filter(o -> o.brokerGuid.equals(broker.guid) && o.catalogId.equals(serviceId)).findFirst()
                    .orElseGet(() -> {
                        OfferingState created = new OfferingState(broker.guid, serviceId);
                        offerings.put(created.guid, created);
                        return created;
                    });
            offering.name = service.path("name").asText();
            keptOfferings.add(offering.guid);
            for (JsonNode planJson : service.path("plans")) {
                String planId = planJson.path("id").asText();
                PlanState plan = plans.values().stream()
                        .filter(p -> p.offeringGuid.equals(offering.guid) && p.catalogId.equals(planId)).findFirst()
                        .orElseGet(() -> {
                            // New plans are visible to admins only, as in Cloud Foundry.
                            PlanState created = new PlanState(broker.guid, offering.guid, planId, now());
                            plans.put(created.guid, created);
                            return created;
                        });
                plan.name = planJson.path("name").asText();
                plan.description = planJson.path("description").asText("");
                plan.free = planJson.path("free").asBoolean(true);
                plan.updatedAt = now();
                keptPlans.add(plan.guid);
            }
        }
        plans.values().removeIf(p -> p.brokerGuid.equals(broker.guid) && !keptPlans.contains(p.guid));
        offerings.values().removeIf(o -> o.brokerGuid.equals(broker.guid) && !keptOfferings.contains(o.guid));
    }

    private void removeBroker(String guid) {
        brokers.remove(guid);
        plans.values().removeIf(p -> p.brokerGuid.equals(guid));
        offerings.values().removeIf(o -> o.brokerGuid.equals(guid));
    }

    // ---- JSON ----

    private BrokerState brokerFields(JsonNode body, BrokerState current) {
        if (!body.isObject()) {
            throw new BadRequest(error(400, "CF-MessageParseError", 1001, "Request invalid due to parse error: invalid request body"));
        }
        String name = current == null ? null : current.name;
        String url = current == null ? null : current.url;
        String username = current == null ? null : current.username;
        String password = current == null ? null : current.password;
        if (body.has("name") || current == null) {
            if (!body.path("name").isTextual() || body.path("name").asText().isEmpty()) {
                throw new BadRequest(unprocessable("Name must be a string"));
            }
            name = body.path("name").asText();
        }
        if (body.has("url") || current == null) {
            String given = body.path("url").asText("");
            if (!body.path("url").isTextual() || !(given.startsWith("http://") || given.startsWith("https://"))) {
                throw new BadRequest(unprocessable("Url must be a valid url"));
            }
            url = given;
        }
        if (body.has("authentication") || current == null) {
            JsonNode auth = body.path("authentication");
            if (!auth.path("type").asText("").equals("basic")) {
                throw new BadRequest(unprocessable("Authentication type must be equal to basic"));
            }
            JsonNode credentials = auth.path("credentials");
            if (!credentials.path("username").isTextual() || !credentials.path("password").isTextual()) {
                throw new BadRequest(unprocessable("Authentication credentials must have a username and a password"));
            }
            username = credentials.path("username").asText();
            password = credentials.path("password").asText();
        }
        return new BrokerState(current == null ? "" : current.guid, name, url, username, password, now());
    }

    private ObjectNode brokerJson(BrokerState broker) {
        ObjectNode node = json.createObjectNode();
        node.put("guid", broker.guid);
        node.put("name", broker.name);
        node.put("url", broker.url);
        node.put("created_at", time(broker.createdAt));
        node.put("updated_at", time(broker.updatedAt));
        ObjectNode space = node.putObject("relationships").putObject("space");
        if (broker.spaceGuid == null) {
            space.putNull("data");
        } else {
            space.putObject("data").put("guid", broker.spaceGuid);
        }
        metadata(node);
        ObjectNode links = node.putObject("links");
        links.putObject("self").put("href", baseUrl + "/v3/service_brokers/" + broker.guid);
        links.putObject("service_offerings").put("href", baseUrl + "/v3/service_offerings?service_broker_guids=" + broker.guid);
        return node;
    }

    private ObjectNode planJson(PlanState plan) {
        ObjectNode node = json.createObjectNode();
        node.put("guid", plan.guid);
        node.put("name", plan.name);
        node.put("description", plan.description);
        node.put("visibility_type", plan.visibilityType);
        node.put("available", true);
        node.put("free", plan.free);
        node.putArray("costs");
        node.put("created_at", time(plan.createdAt));
        node.put("updated_at", time(plan.updatedAt));
        node.putObject("maintenance_info");
        ObjectNode catalog = node.putObject("broker_catalog");
        catalog.put("id", plan.catalogId);
        catalog.putObject("metadata");
        catalog.putNull("maximum_polling_duration");
        catalog.putObject("features").put("plan_updateable", false).put("bindable", true);
        node.putObject("relationships").putObject("service_offering").putObject("data").put("guid", plan.offeringGuid);
        metadata(node);
        ObjectNode links = node.putObject("links");
        links.putObject("self").put("href", baseUrl + "/v3/service_plans/" + plan.guid);
        links.putObject("service_offering").put("href", baseUrl + "/v3/service_offerings/" + plan.offeringGuid);
        links.putObject("visibility").put("href", baseUrl + "/v3/service_plans/" + plan.guid + "/visibility");
        return node;
    }

    private ObjectNode visibilityJson(PlanState plan) {
        ObjectNode node = json.createObjectNode();
        node.put("type", plan.visibilityType);
        if (plan.visibilityType.equals("organization")) {
            ArrayNode orgs = node.putArray("organizations");
            for (String guid : plan.organizations) {
                orgs.addObject().put("guid", guid).put("name", organizations.getOrDefault(guid, guid));
            }
        }
        return node;
    }

    private ObjectNode jobJson(JobState job) {
        ObjectNode node = json.createObjectNode();
        node.put("guid", job.guid);
        node.put("created_at", time(job.createdAt));
        node.put("updated_at", time(job.updatedAt));
        node.put("operation", job.kind.operation);
        node.put("state", job.state);
        ArrayNode errors = node.putArray("errors");
        job.errors.forEach(errors::add);
        node.putArray("warnings");
        ObjectNode links = node.putObject("links");
        links.putObject("self").put("href", baseUrl + "/v3/jobs/" + job.guid);
        links.putObject("service_brokers").put("href", baseUrl + "/v3/service_brokers/" + job.brokerGuid);
        return node;
    }

    private Reply accepted(JobState job) {
        jobs.put(job.guid, job);
        return new Reply(202, null, Map.of("Location", baseUrl + "/v3/jobs/" + job.guid));
    }

    private Reply page(String path, Map<String, String> query, List<ObjectNode> resources) {
        int page = intParam(query, "page", 1);
        int perPage = intParam(query, "per_page", 50);
        if (page < 1) {
            return error(400, "CF-BadQueryParameter", 10005, "The query parameter is invalid: Page must be greater than 0");
        }
        if (perPage < 1 || perPage > 5000) {
            return error(400, "CF-BadQueryParameter", 10005,
                    "The query parameter is invalid: Per page must be between 1 and 5000");
        }
        int total = resources.size();
        int pages = Math.max(1, (total + perPage - 1) / perPage);
        ObjectNode body = json.createObjectNode();
        ObjectNode pagination = body.putObject("pagination");
        pagination.put("total_results", total);
        pagination.put("total_pages", pages);
        pagination.putObject("first").put("href", pageHref(path, query, 1, perPage));
        pagination.putObject("last").put("href", pageHref(path, query, pages, perPage));
        if (page < pages) {
            pagination.putObject("next").put("href", pageHref(path, query, page + 1, perPage));
        } else {
            pagination.putNull("next");
        }
        if (page > 1) {
            pagination.putObject("previous").put("href", pageHref(path, query, page - 1, perPage));
        } else {
            pagination.putNull("previous");
        }
        ArrayNode items = body.putArray("resources");
        resources.stream().skip((long) (page - 1) * perPage).limit(perPage).forEach(items::add);
        return ok(200, body);
    }

    private String pageHref(String path, Map<String, String> query, int page, int perPage) {
        StringBuilder href = new StringBuilder(baseUrl).append(path).append("?page=").append(page)
                .append("&per_page=").append(perPage);
        query.forEach((key, value) -> {
            if (!key.equals("page") && !key.equals("per_page")) {
                href.append('&').append(key).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
        });
        return href.toString();
    }

    private static <T> Predicate<T> inList(Map<String, String> query, String param, java.util.function.Function<T, String> field) {
        String value = query.get(param);
        if (value == null) {
            return t -> true;
        }
        Set<String> allowed = Set.of(value.split(","));
        return t -> allowed.contains(field.apply(t));
    }

    private int intParam(Map<String, String> query, String name, int fallback) {
        String value = query.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private JsonNode body(Request request) {
        try {
            JsonNode node = json.readTree(request.getBodyAsString());
            return node == null ? json.createObjectNode() : node;
        } catch (IOException e) {
            throw new BadRequest(error(400, "CF-MessageParseError", 1001, "Request invalid due to parse error: invalid request body"));
        }
    }

    private static Map<String, String> parseQuery(String query) {
        Map<String, String> params = new LinkedHashMap<>();
        if (query == null || query.isEmpty()) {
            return params;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(key, value);
        }
        return params;
    }

    private void metadata(ObjectNode node) {
        ObjectNode metadata = node.putObject("metadata");
        metadata.putObject("labels");
        metadata.putObject("annotations");
    }

    private ObjectNode cfError(String title, int code, String detail) {
        ObjectNode error = json.createObjectNode();
        error.put("code", code);
        error.put("title", title);
        error.put("detail", detail);
        return error;
    }

    private String errorBody(String title, int code, String detail) {
        ObjectNode body = json.createObjectNode();
        body.putArray("errors").add(cfError(title, code, detail));
        return body.toString();
    }

    private Reply error(int status, String title, int code, String detail) {
        return new Reply(status, errorBody(title, code, detail), Map.of());
    }

    private Reply notFound(String detail) {
        return error(404, "CF-ResourceNotFound", 10010, detail);
    }

    private Reply unprocessable(String detail) {
        return error(422, "CF-UnprocessableEntity", 10008, detail);
    }

    private Reply uaaError(int status, String error, String description) {
        ObjectNode body = json.createObjectNode();
        body.put("error", error);
        body.put("error_description", description);
        return ok(status, body);
    }

    private static Reply ok(int status, JsonNode body) {
        return new Reply(status, body.toString(), Map.of());
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    private static String time(Instant instant) {
        return instant.toString();
    }

    /** A request the fake refuses before touching its state. */
    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Reply reply;

        BadRequest(Reply reply) {
            super(null, null, false, false);
            this.reply = reply;
        }
    }
}
