package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.PlatformCredentials;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.NotificationLog.PlatformActivity;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.Query;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.security.Principal;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.json.EntityJson;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.json.JsonInput;
import org.servicemanager.core.internal.security.PasswordHasher;
import org.servicemanager.core.internal.stream.NotificationHub;

/**
 * {@code /v1/platforms}. Credentials are generated here and shown exactly once, in the answer to
 * the POST (or to a PATCH with {@code regenerateCredentials=true}); only their hash is stored.
 */
final class PlatformsApi extends ResourceApi<Platform> {
    private static final Set<String> CREATE_FIELDS = Set.of("id", "name", "type", "description", "labels");
    private static final Set<String> PATCH_FIELDS = Set.of("id", "name", "type", "description", "labels");

    private final PlatformOperations operations;
    private final OperationsApi operationsApi;

    PlatformsApi(Context ctx, PlatformOperations operations, OperationsApi operationsApi) {
        super(ctx, EntityTypes.PLATFORMS);
        this.operations = operations;
        this.operationsApi = operationsApi;
    }

    @Override
    ObjectNode toJson(Platform p) {
        return withActivity(EntityJson.platform(p), activity(List.of(p.id())).get(p.id()));
    }

    @Override
    List<ObjectNode> toJson(List<Platform> platforms) {
        if (platforms.isEmpty()) {
            return List.of();
        }
        Map<String, PlatformActivity> activity = activity(platforms.stream().map(Platform::id).toList());
        return platforms.stream().map(p -> withActivity(EntityJson.platform(p), activity.get(p.id()))).toList();
    }

    /**
     * Whether a Service Broker Proxy of the platform is connected ({@code active}), and when one
     * last was ({@code last_active}, absent if never): read-only, from the connection counts every
     * node records while it holds connections, believed while they are fresh.
     */
    private Map<String, PlatformActivity> activity(List<String> ids) {
        return ctx.store().notifications().activity(ids, ctx.now().minus(NotificationHub.ACTIVITY_FRESHNESS));
    }

    private static ObjectNode withActivity(ObjectNode json, PlatformActivity activity) {
        json.put("active", activity != null && activity.active());
        if (activity != null && activity.lastActive() != null) {
            json.put("last_active", Json.timestamp(activity.lastActive()));
        }
        return json;
    }

    /** The reserved platform of the Service Manager itself is never shown, changed or deleted. */
    private static final Scope VISIBLE = new Scope(Query.of(new Criterion.FieldCriterion("id", Operator.NE,
            List.of(Platform.SERVICE_MANAGER_ID))), false);

    @Override
    Scope scopeFor(Principal principal) {
        return VISIBLE;
    }

    @Override
    Platform require(String id) {
        if (Platform.SERVICE_MANAGER_ID.equals(id)) {
            throw notFound(id);
        }
        return super.require(id);
    }

    /** Deleted: this node's streams of the platform close now (other nodes' at their next check). */
    @Override
    SmResponse delete(Call call) {
        require(call.pathParam("id"));
        SmResponse answer = super.delete(call);
        ctx.platformChanges().changed(call.pathParam("id"));
        return answer;
    }

    /**
     * {@code DELETE /v1/platforms/{id}?cascade=true}: its instances' bindings, its instances, then
     * the platform, through the brokers; always asynchronous (202 and the root operation's
     * Location). Without cascade, the platform alone, synchronously as every platform change.
     */
    SmResponse deleteMaybeCascading(Call call) {
        if (!Modes.flag(call, "cascade")) {
            if (Modes.async(call)) {
                throw new BadRequestException("platforms are always changed synchronously; leave out async or pass "
                        + "async=false (or delete with cascade=true, which is always asynchronous)");
            }
            return delete(call);
        }
        Modes.async(call);
        String id = call.pathParam("id");
        Platform platform = require(id);
        // A shared instance of the platform would go at the broker while references still stand for it.
        InstanceSharing.checkPlatformDeletable(ctx, id, TenantGuard.operatorTenant(ctx, call.principal()));
        PlatformOperations.Started started = operations.cascadeDelete(platform, Modes.caller(call));
        return Modes.accepted(Modes.location(call, Operation.PLATFORMS + "/" + id, started.operation()));
    }

    /** {@code GET /v1/platforms/{id}/operations/{op_id}}: a cascade delete's root operation. */
    SmResponse operation(Call call) {
        if (Platform.SERVICE_MANAGER_ID.equals(call.pathParam("id"))) {
            throw notFound(call.pathParam("id"));
        }
        return operationsApi.ofResource(call, Operation.PLATFORMS);
    }

    @Override
    SmResponse bulkDelete(Call call) {
        SmResponse answer = super.bulkDelete(call);
        ctx.platformChanges().anyChanged();
        return answer;
    }

    SmResponse create(Call call) {
        ObjectNode body = call.jsonBody();
        JsonInput in = JsonInput.of(body).allowOnly(CREATE_FIELDS);
        String id = idFrom(body);
        String name = in.requiredName("name");
        String type = in.requiredName("type");
        String description = in.optionalText("description");
        Labels labels = LabelRules.parseObject(in);
        Generated credentials = generate();
        Instant now = ctx.now();
        Platform created = repo().create(new Platform(id, name, type, description, credentials.stored(), null, labels,
                now, now, true, 0));
        return Responses.json(201, withCredentials(created, credentials));
    }

    SmResponse patch(Call call) {
        String id = call.pathParam("id");
        ObjectNode body = call.jsonBody();
        JsonInput in = JsonInput.of(body).allowOnly(PATCH_FIELDS);
        checkIdUnchanged(body, id);
        if (in.isNull("name") || in.isNull("type")) {
            throw new BadRequestException("fields 'name' and 'type' are required and cannot be cleared");
        }
        String name = in.optionalName("name");
        String type = in.optionalName("type");
        String description = in.optionalText("description");
        boolean regenerate = call.queryFlag("regenerateCredentials");
        Generated credentials = regenerate ? generate() : null;
        Platform updated = updateWithRetry(id, p -> {
            PlatformCredentials current = p.credentials();
            PlatformCredentials previous = p.previousCredentials();
            if (credentials != null) {
                // Until the platform uses the new pair, the pair it still uses stays valid; a second
                // regeneration before that replaces only the never-used pair.
                previous = previous == null ? current : previous;
                current = credentials.stored();
            }
            return new Platform(p.id(), name == null ? p.name() : name, type == null ? p.type() : type,
                    in.has("description") ? description : p.description(), current, previous,
                    LabelRules.applyPatch(p.labels(), body.get("labels")), p.createdAt(), ctx.now(), p.ready(),
                    p.version());
        });
        if (credentials != null) {
            // Only a pair older than the previous one is retired here (a second regeneration before
            // the platform used the first); the previous pair's streams stay open until it is.
            ctx.platformChanges().changed(id);
        }
        return Responses.json(200, credentials == null ? toJson(updated) : withCredentials(updated, credentials));
    }

    private ObjectNode withCredentials(Platform platform, Generated credentials) {
        ObjectNode json = toJson(platform);
        ObjectNode basic = json.putObject("credentials").putObject("basic");
        basic.put("username", credentials.username()).put("password", credentials.password());
        return json;
    }

    private static Generated generate() {
        String username = PasswordHasher.randomSecret(16);
        String password = PasswordHasher.randomSecret(32);
        return new Generated(username, password, new PlatformCredentials(username,
                PasswordHasher.hash(password, PasswordHasher.GENERATED_ITERATIONS)));
    }

    /** A generated pair in clear (for the one answer) and as stored. */
    private record Generated(String username, String password, PlatformCredentials stored) {
        @Override
        public String toString() {
            return "Generated[username=" + username + ", password=<redacted>]";
        }
    }
}
