package org.servicemanager.test.broker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The service side of a {@link FakeBroker}: provision, update, deprovision, fetch and
 * {@code last_operation} of instances, and bind, unbind, fetch and {@code last_operation} of
 * bindings, kept in memory as a real broker keeps them.
 *
 * <ul>
 *   <li>Synchronous mode (the default): provision 201 (200 when the same instance exists, 409 when
 *       a different one does), update 200, deprovision 200, bind 201, unbind 200.</li>
 *   <li>Asynchronous mode ({@link #asynchronous(int)}): the mutating calls answer 202 with an
 *       {@code operation} value; {@code last_operation} answers {@code in progress} (with
 *       {@code Retry-After: 1}) the configured number of times, then the {@link #finishWith outcome}.
 *       A mutating call without {@code accepts_incomplete=true} is 422 {@code AsyncRequired}; one on
 *       an instance or binding whose operation is in progress is 422 {@code ConcurrencyError}.</li>
 *   <li>Failures ({@link #failNextCall}, {@link #failAllCalls}) replace the answer of any of these
 *       endpoints (not the catalog) without changing the state.</li>
 * </ul>
 *
 * Deprovision and unbind of something unknown is 410 Gone; a bind answers
 * {@code credentials: {"username", "password"}} with a password unique to the binding
 * ({@link #passwordOf}), so tests can check that the Service Manager never stores it.
 *
 * <pre>{@code
 * FakeBroker broker = FakeBroker.start();
 * FakeOsbService osb = FakeOsbService.install(broker).asynchronous(2).finishWith(Outcome.FAILED, true);
 * }</pre>
 *
 * Thread-safe: the broker serves requests on several threads; state changes are serialized.
 */
public final class FakeOsbService {
    /** The instance endpoint. */
    public static final String INSTANCE_PATH = "/v2/service_instances/{instance_id}";
    /** The binding endpoint. */
    public static final String BINDING_PATH = INSTANCE_PATH + "/service_bindings/{binding_id}";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** How an asynchronous operation ends. */
    public enum Outcome {
        SUCCEEDED, FAILED
    }

    /** The ways a call can fail, for {@link #failNextCall(Failure)} and {@link #failAllCalls(Failure)}. */
    public enum Failure {
        /** 500 with an OSB error body. */
        SERVER_ERROR,
        /** The normal answer, sent only after {@link #slowness(Duration)} (default 5 s). */
        TIMEOUT,
        /** 200 with a body that claims to be JSON but is not. */
        INVALID_JSON,
        /** 410 Gone with {@code {}}. */
        GONE,
        /** 422 {@code {"error": "ConcurrencyError"}}. */
        CONCURRENCY_ERROR,
        /** 422 {@code {"error": "AsyncRequired"}}, whatever the call's {@code accepts_incomplete}. */
        ASYNC_REQUIRED
    }

    private enum Kind {
        CREATE, UPDATE, DELETE
    }

    /** An operation in progress on an instance or binding. */
    private static final class Pending {
        final Kind kind;
        final String operation;
        int pollsLeft;
        final Outcome outcome;
        final boolean instanceUsable;
        final String newPlanId;

        Pending(Kind kind, String operation, int polls, Outcome outcome, boolean instanceUsable, String newPlanId) {
            this.kind = kind;
            this.operation = operation;
            this.pollsLeft = polls;
            this.outcome = outcome;
            this.instanceUsable = instanceUsable;
            this.newPlanId = newPlanId;
        }
    }

    private static final class Instance {
        final JsonNode provisionBody;
        final String serviceId;
        String planId;
        final String dashboardUrl;
        Pending pending;
        String lastState = "succeeded";

        Instance(JsonNode provisionBody, String dashboardUrl) {
            this.provisionBody = provisionBody;
            this.serviceId = provisionBody.path("service_id").asText();
            this.planId = provisionBody.path("plan_id").asText();
            this.dashboardUrl = dashboardUrl;
        }
    }

    private static final class Binding {
        final String instanceId;
        final JsonNode bindBody;
        final String password;
        Pending pending;
        String lastState = "succeeded";

        Binding(String instanceId, JsonNode bindBody, String password) {
            this.instanceId = instanceId;
            this.bindBody = bindBody;
            this.password = password;
        }
    }

    private final Map<String, Instance> instances = new HashMap<>();
    private final Map<String, Binding> bindings = new HashMap<>();
    private final Queue<Failure> nextFailures = new ArrayDeque<>();
    private final AtomicInteger operations = new AtomicInteger();
    private Failure allFailure;
    private boolean async;
    private int inProgressPolls;
    private Outcome outcome = Outcome.SUCCEEDED;
    private boolean instanceUsable = true;
    private Duration slowness = Duration.ofSeconds(5);

    private FakeOsbService() {
    }

    /** Adds the instance and binding endpoints to {@code broker}; its catalog stays as it is. */
    public static FakeOsbService install(FakeBroker broker) {
        Objects.requireNonNull(broker, "broker");
        FakeOsbService service = new FakeOsbService();
        broker.route("PUT", INSTANCE_PATH, service::provision)
                .route("PATCH", INSTANCE_PATH, service::update)
                .route("DELETE", INSTANCE_PATH, service::deprovision)
                .route("GET", INSTANCE_PATH, service::fetchInstance)
                .route("GET", INSTANCE_PATH + "/last_operation", service::instanceLastOperation)
                .route("PUT", BINDING_PATH, service::bind)
                .route("DELETE", BINDING_PATH, service::unbind)
                .route("GET", BINDING_PATH, service::fetchBinding)
                .route("GET", BINDING_PATH + "/last_operation", service::bindingLastOperation);
        return service;
    }

    // ---- configuration -------------------------------------------------------------------------

    /** Mutating calls answer at once: 201 or 200. */
    public synchronized FakeOsbService synchronous() {
        async = false;
        return this;
    }

    /**
     * Mutating calls answer 202; {@code last_operation} answers {@code in progress}
     * {@code inProgressPolls} times before the {@link #finishWith outcome}.
     */
    public synchronized FakeOsbService asynchronous(int inProgressPolls) {
        if (inProgressPolls < 0) {
            throw new IllegalArgumentException("inProgressPolls must not be negative, was " + inProgressPolls);
        }
        async = true;
        this.inProgressPolls = inProgressPolls;
        return this;
    }

    /**
     * How asynchronous operations started from now on end (default: succeeded). On failure,
     * {@code last_operation} carries {@code instance_usable} with the given value.
     */
    public synchronized FakeOsbService finishWith(Outcome outcome, boolean instanceUsable) {
        this.outcome = Objects.requireNonNull(outcome, "outcome");
        this.instanceUsable = instanceUsable;
        return this;
    }

    /** How long a {@link Failure#TIMEOUT} answer waits (default 5 s). */
    public synchronized FakeOsbService slowness(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
        slowness = delay;
        return this;
    }

    /** Only the next call to these endpoints fails; several queue up in order. */
    public synchronized FakeOsbService failNextCall(Failure failure) {
        nextFailures.add(Objects.requireNonNull(failure, "failure"));
        return this;
    }

    /** Every call to these endpoints fails, until {@link #reset()}. */
    public synchronized FakeOsbService failAllCalls(Failure failure) {
        allFailure = Objects.requireNonNull(failure, "failure");
        return this;
    }

    /** Drops the failure modes and goes back to synchronous success; the stored state stays. */
    public synchronized FakeOsbService reset() {
        nextFailures.clear();
        allFailure = null;
        async = false;
        outcome = Outcome.SUCCEEDED;
        instanceUsable = true;
        return this;
    }

    // ---- state ---------------------------------------------------------------------------------

    /** The ids of the instances the broker holds (also those still being created). */
    public synchronized Set<String> instanceIds() {
        return new TreeSet<>(instances.keySet());
    }

    /** The catalog plan id of an instance the broker holds. */
    public synchronized Optional<String> planOf(String instanceId) {
        return Optional.ofNullable(instances.get(instanceId)).map(i -> i.planId);
    }

    /** The ids of the bindings the broker holds. */
    public synchronized Set<String> bindingIds() {
        return new TreeSet<>(bindings.keySet());
    }

    /** The password in the credentials of a binding the broker holds. */
    public synchronized Optional<String> passwordOf(String bindingId) {
        return Optional.ofNullable(bindings.get(bindingId)).map(b -> b.password);
    }

    /** The dashboard URL the broker answers for an instance. */
    public static String dashboardUrl(String instanceId) {
        return "https://dashboard.example.com/instances/" + instanceId;
    }

    // ---- instances -----------------------------------------------------------------------------

    private synchronized Reply provision(RecordedRequest request) {
        Reply failure = failure();
        if (failure != null) {
            return failure;
        }
        JsonNode body = parse(request.body());
        if (body == null || !body.path("service_id").isTextual() || !body.path("plan_id").isTextual()) {
            return Reply.error(400, "BadRequest", "service_id and plan_id are required");
        }
        String id = segment(request, 2);
        Instance existing = instances.get(id);
        if (existing != null) {
            if (existing.pending != null) {
                return concurrencyError();
            }
            return existing.provisionBody.equals(body)
                    ? Reply.json(200, json("dashboard_url", existing.dashboardUrl))
                    : Reply.error(409, "Conflict", "instance " + id + " exists with other attributes");
        }
        if (async && !acceptsIncomplete(request)) {
            return asyncRequired();
        }
        Instance instance = new Instance(body, dashboardUrl(id));
        instances.put(id, instance);
        if (async) {
            instance.pending = pending(Kind.CREATE, "provision", null);
            return Reply.json(202, json("dashboard_url", instance.dashboardUrl, "operation",
                    instance.pending.operation));
        }
        return Reply.json(201, json("dashboard_url", instance.dashboardUrl));
    }

    private synchronized Reply update(RecordedRequest request) {
        Reply failure = failure();
        if (failure != null) {
            return failure;
        }
        JsonNode body = parse(request.body());
        if (body == null || !body.path("service_id").isTextual()) {
            return Reply.error(400, "BadRequest", "service_id is required");
        }
        Instance instance = instances.get(segment(request, 2));
        if (instance == null) {
            return Reply.error(404, "NotFound", "no such instance");
        }
        if (instance.pending != null) {
            return concurrencyError();
        }
        if (async && !acceptsIncomplete(request)) {
            return asyncRequired();
        }
        String newPlan = body.path("plan_id").isTextual() ? body.get("plan_id").asText() : instance.planId;
        if (async) {
            instance.pending = pending(Kind.UPDATE, "update", newPlan);
            return Reply.json(202, json("operation", instance.pending.operation));
        }
        instance.planId = newPlan;
        return Reply.json(200, "{}");
    }

    private synchronized Reply deprovision(RecordedRequest request) {
        Reply failure = failure();
        if (failure != null) {
            return failure;
        }
        if (query(request, "service_id") == null || query(request, "plan_id") == null) {
            return Reply.error(400, "BadRequest", "service_id and plan_id query parameters are required");
        }
        String id = segment(request, 2);
        Instance instance = instances.get(id);
        if (instance == null) {
            return Reply.json(410, "{}");
        }
        if (instance.pending != null) {
            return concurrencyError();
        }
        if (async && !acceptsIncomplete(request)) {
            return asyncRequired();
        }
        if (async) {
            instance.pending = pending(Kind.DELETE, "deprovision", null);
            return Reply.json(202, json("operation", instance.pending.operation));
        }
        instances.remove(id);
        bindings.values().removeIf(b -> b.instanceId.equals(id));
        return Reply.json(200, "{}");
    }

    private synchronized Reply fetchInstance(RecordedRequest request) {
        Reply failure = failure();
        if (failure != null) {
            return failure;
        }
        Instance instance = instances.get(segment(request, 2));
        if (instance == null || (instance.pending != null && instance.pending.kind == Kind.CREATE)) {
            return Reply.error(404, "NotFound", "no such instance");
        }
        ObjectNode node = MAPPER.createObjectNode().put("service_id", instance.serviceId)
                .put("plan_id", instance.planId).put("dashboard_url", instance.dashboardUrl);
        if (instance.provisionBody.has("parameters")) {
            node.set("parameters", instance.provisionBody.get("parameters"));
        }
        return Reply.json(200, node.toString());
    }

    private synchronized Reply instanceLastOperation(RecordedRequest request) {
        Reply failure = failure();
        if (failure != null) {
            return failure;
        }
        String id = segment(request, 2);
        Instance instance = instances.get(id);
        if (instance == null) {
            return Reply.json(410, "{}");
        }
        Pending pending = instance.pending;
        if (pending == null) {
            return Reply.json(200, json("state", instance.lastState));
        }
        if (pending.pollsLeft > 0) {
            pending.pollsLeft--;
            return inProgress();
        }
        instance.pending = null;
        boolean succeeded = pending.outcome == Outcome.SUCCEEDED;
        instance.lastState = succeeded ? "succeeded" : "failed";
        if (succeeded && pending.kind == Kind.UPDATE) {
            instance.planId = pending.newPlanId;
        } else if (succeeded && pending.kind == Kind.DELETE) {
            instances.remove(id);
            bindings.values().removeIf(b -> b.instanceId.equals(id));
        } else if (!succeeded && pending.kind == Kind.CREATE) {
            instances.remove(id);
        }
        return finished(pending);
    }

    // ---- bindings ------------------------------------------------------------------------------

    private synchronized Reply bind(RecordedRequest request) {
        Reply failure = failure();
        if (failure != null) {
            return failure;
        }
        JsonNode body = parse(request.body());
        if (body == null || !body.path("service_id").isTextual() || !body.path("plan_id").isTextual()) {
            return Reply.error(400, "BadRequest", "service_id and plan_id are required");
        }
        String instanceId = segment(request, 2);
        String bindingId = segment(request, 4);
        Instance instance = instances.get(instanceId);
        if (instance == null) {
            return Reply.error(404, "NotFound", "no such instance");
        }
        Binding existing = bindings.get(bindingId);
        if (existing != null) {
            if (existing.pending != null) {
                return concurrencyError();
            }
            return existing.bindBody.equals(body) && existing.instanceId.equals(instanceId)
                    ? Reply.json(200, credentials(bindingId, existing))
                    : Reply.error(409, "Conflict", "binding " + bindingId + " exists with other attributes");
        }
        if (async && !acceptsIncomplete(request)) {
            return asyncRequired();
        }
        Binding binding = new Binding(instanceId, body, "pw-" + UUID.randomUUID());
        bindings.put(bindingId, binding);
        if (async) {
            binding.pending = pending(Kind.CREATE, "bind", null);
            return Reply.json(202, json("operation", binding.pending.operation));
        }
        return Reply.json(201, credentials(bindingId, binding));
    }

    private synchronized Reply unbind(RecordedRequest request) {
        Reply failure = failure();
        if (failure != null) {
            return failure;
        }
        if (query(request, "service_id") == null || query(request, "plan_id") == null) {
            return Reply.error(400, "BadRequest", "service_id and plan_id query parameters are required");
        }
        String bindingId = segment(request, 4);
        Binding binding = bindings.get(bindingId);
        if (binding == null || !binding.instanceId.equals(segment(request, 2))) {
            return Reply.json(410, "{}");
        }
        if (binding.pending != null) {
            return concurrencyError();
        }
        if (async && !acceptsIncomplete(request)) {
            return asyncRequired();
        }
        if (async) {
            binding.pending = pending(Kind.DELETE, "unbind", null);
            return Reply.json(202, json("operation", binding.pending.operation));
        }
        bindings.remove(bindingId);
        return Reply.json(200, "{}");
    }

    private synchronized Reply fetchBinding(RecordedRequest request) {
        Reply failure = failure();
        if (failure != null) {
            return failure;
        }
        String bindingId = segment(request, 4);
        Binding binding = bindings.get(bindingId);
        if (binding == null || !binding.instanceId.equals(segment(request, 2))
                || (binding.pending != null && binding.pending.kind == Kind.CREATE)) {
            return Reply.error(404, "NotFound", "no such binding");
        }
        return Reply.json(200, credentials(bindingId, binding));
    }

    private synchronized Reply bindingLastOperation(RecordedRequest request) {
        Reply failure = failure();
        if (failure != null) {
            return failure;
        }
        String bindingId = segment(request, 4);
        Binding binding = bindings.get(bindingId);
        if (binding == null) {
            return Reply.json(410, "{}");
        }
        Pending pending = binding.pending;
        if (pending == null) {
            return Reply.json(200, json("state", binding.lastState));
        }
        if (pending.pollsLeft > 0) {
            pending.pollsLeft--;
            return inProgress();
        }
        binding.pending = null;
        boolean succeeded = pending.outcome == Outcome.SUCCEEDED;
        binding.lastState = succeeded ? "succeeded" : "failed";
        if ((succeeded && pending.kind == Kind.DELETE) || (!succeeded && pending.kind == Kind.CREATE)) {
            bindings.remove(bindingId);
        }
        return finished(pending);
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** The answer that replaces this call's, or {@code null} when the call is served normally. */
    private Reply failure() {
        Failure failure = nextFailures.poll();
        if (failure == null) {
            failure = allFailure;
        }
        if (failure == null) {
            return null;
        }
        return switch (failure) {
            case SERVER_ERROR -> Reply.error(500, "InternalServerError", "the fake broker failed on purpose");
            case TIMEOUT -> Reply.json(200, "{}").after(slowness);
            case INVALID_JSON -> Reply.json(200, "{\"state\": this is not json");
            case GONE -> Reply.json(410, "{}");
            case CONCURRENCY_ERROR -> concurrencyError();
            case ASYNC_REQUIRED -> asyncRequired();
        };
    }

    private Pending pending(Kind kind, String name, String newPlanId) {
        return new Pending(kind, name + "-" + operations.incrementAndGet(), inProgressPolls, outcome,
                instanceUsable, newPlanId);
    }

    private static Reply finished(Pending pending) {
        if (pending.outcome == Outcome.SUCCEEDED) {
            return Reply.json(200, json("state", "succeeded", "description", pending.operation + " succeeded"));
        }
        ObjectNode node = MAPPER.createObjectNode().put("state", "failed")
                .put("description", pending.operation + " failed");
        if (pending.kind != Kind.CREATE) {
            node.put("instance_usable", pending.instanceUsable);
        }
        return Reply.json(200, node.toString());
    }

    private static Reply inProgress() {
        return Reply.json(200, json("state", "in progress", "description", "working on it"))
                .withHeader("Retry-After", "1");
    }

    private static Reply concurrencyError() {
        return Reply.error(422, "ConcurrencyError", "another operation for this resource is in progress");
    }

    private static Reply asyncRequired() {
        return Reply.error(422, "AsyncRequired", "this service plan requires client support for asynchronous "
                + "service operations");
    }

    private static String credentials(String bindingId, Binding binding) {
        ObjectNode node = MAPPER.createObjectNode();
        node.putObject("credentials").put("username", "user-" + bindingId).put("password", binding.password);
        return node.toString();
    }

    private static boolean acceptsIncomplete(RecordedRequest request) {
        return "true".equals(query(request, "accepts_incomplete"));
    }

    /** A query parameter's decoded value, or {@code null}. */
    static String query(RecordedRequest request, String name) {
        if (request.query() == null) {
            return null;
        }
        for (String pair : request.query().split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** Segment {@code index} of the path: {@code /v2/service_instances/i/service_bindings/b} -> 2 is {@code i}. */
    private static String segment(RecordedRequest request, int index) {
        return request.path().replaceAll("^/+", "").split("/")[index];
    }

    private static JsonNode parse(String body) {
        try {
            JsonNode node = MAPPER.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String json(String... keysAndValues) {
        ObjectNode node = MAPPER.createObjectNode();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            node.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return node.toString();
    }

    @Override
    public synchronized String toString() {
        return "FakeOsbService[" + (async ? "async" : "sync") + ", instances=" + instances.keySet()
                + ", bindings=" + bindings.keySet() + "]";
    }
}
