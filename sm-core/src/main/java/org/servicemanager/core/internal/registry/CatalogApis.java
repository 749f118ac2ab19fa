package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.json.EntityJson;
import org.servicemanager.core.internal.security.Principal;

/**
 * {@code /v1/service_offerings} and {@code /v1/service_plans}: they come from broker catalogs, so
 * only their labels can be changed through the API.
 */
final class CatalogApis {
    private static final Set<String> PATCH_FIELDS = Set.of("labels");

    private CatalogApis() {
    }

    static void checkLabelsOnly(ObjectNode body, String what) {
        body.fieldNames().forEachRemaining(name -> {
            if (!PATCH_FIELDS.contains(name)) {
                throw new BadRequestException(what + " come from the broker's catalog; only 'labels' can be "
                        + "changed, not '" + name + "'");
            }
        });
    }

    /** {@code /v1/service_offerings}. */
    static final class Offerings extends ResourceApi<ServiceOffering> {
        Offerings(Context ctx) {
            super(ctx, EntityTypes.SERVICE_OFFERINGS);
        }

        @Override
        ObjectNode toJson(ServiceOffering o) {
            return EntityJson.offering(o);
        }

        @Override
        Scope scopeFor(Principal principal) {
            return principal instanceof Principal.PlatformCaller p
                    ? Scope.fieldIn("id", new PlatformView(ctx.store()).offeringIds(p.platformId()))
                    : Scope.ALL;
        }

        SmResponse patch(Call call) {
            ObjectNode body = call.jsonBody();
            checkLabelsOnly(body, "service offerings");
            ServiceOffering updated = updateWithRetry(call.pathParam("id"),
                    o -> o.withLabels(LabelRules.applyPatch(o.labels(), body.get("labels")), ctx.now()));
            return Responses.json(200, toJson(updated));
        }
    }

    /** {@code /v1/service_plans}. */
    static final class Plans extends ResourceApi<ServicePlan> {
        Plans(Context ctx) {
            super(ctx, EntityTypes.SERVICE_PLANS);
        }

        @Override
        ObjectNode toJson(ServicePlan p) {
            return EntityJson.plan(p);
        }

        @Override
        Scope scopeFor(Principal principal) {
            return principal instanceof Principal.PlatformCaller p
                    ? Scope.fieldIn("id", new PlatformView(ctx.store()).planIds(p.platformId()))
                    : Scope.ALL;
        }

        SmResponse patch(Call call) {
            ObjectNode body = call.jsonBody();
            checkLabelsOnly(body, "service plans");
            ServicePlan updated = updateWithRetry(call.pathParam("id"),
                    p -> p.withLabels(LabelRules.applyPatch(p.labels(), body.get("labels")), ctx.now()));
            return Responses.json(200, toJson(updated));
        }
    }
}
