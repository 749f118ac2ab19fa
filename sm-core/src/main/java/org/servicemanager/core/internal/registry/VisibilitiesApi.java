package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Set;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.UniqueViolationException;
import org.servicemanager.api.VisibilityAlreadyExistsException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Visibility;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.json.EntityJson;
import org.servicemanager.core.internal.json.JsonInput;
import org.servicemanager.core.internal.security.Principal;

/** {@code /v1/visibilities}: one per (platform, plan), where "no platform" means every platform. */
final class VisibilitiesApi extends ResourceApi<Visibility> {
    private static final Set<String> CREATE_FIELDS = Set.of("id", "platform_id", "service_plan_id", "labels");
    private static final Set<String> PATCH_FIELDS = Set.of("id", "platform_id", "service_plan_id", "labels");

    VisibilitiesApi(Context ctx) {
        super(ctx, EntityTypes.VISIBILITIES);
    }

    @Override
    ObjectNode toJson(Visibility v) {
        return EntityJson.visibility(v);
    }

    /** A platform sees its own visibilities and the global ones, never another platform's. */
    @Override
    Scope scopeFor(Principal principal) {
        return principal instanceof Principal.PlatformCaller p
                ? new Scope(PlatformView.visibilitiesOf(p.platformId()), false)
                : Scope.ALL;
    }

    SmResponse create(Call call) {
        ObjectNode body = call.jsonBody();
        JsonInput in = JsonInput.of(body).allowOnly(CREATE_FIELDS);
        String id = idFrom(body);
        String planId = in.requiredString("service_plan_id");
        String platformId = in.optionalString("platform_id");
        Labels labels = LabelRules.parseObject(in);
        checkReferences(platformId, planId);
        Instant now = ctx.now();
        try {
            Visibility created = repo().create(new Visibility(id, platformId, planId, labels, now, now, true, 0));
            return Responses.json(201, toJson(created));
        } catch (UniqueViolationException e) {
            throw duplicate(e, platformId, planId);
        }
    }

    SmResponse patch(Call call) {
        String id = call.pathParam("id");
        ObjectNode body = call.jsonBody();
        JsonInput in = JsonInput.of(body).allowOnly(PATCH_FIELDS);
        checkIdUnchanged(body, id);
        if (in.isNull("service_plan_id")) {
            throw new BadRequestException("field 'service_plan_id' is required and cannot be cleared");
        }
        String planId = in.optionalString("service_plan_id");
        String platformId = in.optionalString("platform_id");
        Visibility current = require(id);
        String newPlan = planId == null ? current.servicePlanId() : planId;
        String newPlatform = in.has("platform_id") ? platformId : current.platformId();
        checkReferences(newPlatform, newPlan);
        try {
            Visibility updated = updateWithRetry(id, v -> new Visibility(v.id(),
                    in.has("platform_id") ? platformId : v.platformId(),
                    planId == null ? v.servicePlanId() : planId,
                    LabelRules.applyPatch(v.labels(), body.get("labels")), v.createdAt(), ctx.now(), v.ready(),
                    v.version()));
            return Responses.json(200, toJson(updated));
        } catch (UniqueViolationException e) {
            throw duplicate(e, newPlatform, newPlan);
        }
    }

    private void checkReferences(String platformId, String planId) {
        if (ctx.store().repository(EntityTypes.SERVICE_PLANS).get(planId).isEmpty()) {
            throw new BadRequestException("service plan '" + planId + "' (service_plan_id) does not exist");
        }
        if (platformId != null && ctx.store().repository(EntityTypes.PLATFORMS).get(platformId).isEmpty()) {
            throw new BadRequestException("platform '" + platformId + "' (platform_id) does not exist");
        }
    }

    private static RuntimeException duplicate(UniqueViolationException e, String platformId, String planId) {
        if (e.fields().contains("service_plan_id")) {
            return new VisibilityAlreadyExistsException("a visibility for "
                    + (platformId == null ? "all platforms" : "platform '" + platformId + "'")
                    + " and service plan '" + planId + "' already exists");
        }
        return e;
    }
}
