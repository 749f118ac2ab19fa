package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.json.EntityJson;
import org.servicemanager.core.internal.security.Principal;

/**
 * {@code /v1/service_offerings} and {@code /v1/service_plans}: they come from broker catalogs, so
 * only their labels can be changed through the API, and a platform sees only those visible to it.
 */
final class CatalogApis {
    private CatalogApis() {
    }

    /** A catalog-derived resource: read, list, and PATCH of labels only. */
    static final class LabelsOnly<T extends Entity> extends ResourceApi<T> {
        /** How to copy an entity with new labels. */
        interface WithLabels<T> {
            T apply(T entity, Labels labels, Instant now);
        }

        private final Function<T, ObjectNode> json;
        private final BiFunction<PlatformView, String, Set<String>> visibleIds;
        private final WithLabels<T> withLabels;

        LabelsOnly(Context ctx, EntityType<T> type, Function<T, ObjectNode> json,
                BiFunction<PlatformView, String, Set<String>> visibleIds, WithLabels<T> withLabels) {
            super(ctx, type);
            this.json = json;
            this.visibleIds = visibleIds;
            this.withLabels = withLabels;
        }

        @Override
        ObjectNode toJson(T entity) {
            return json.apply(entity);
        }

        @Override
        Scope scopeFor(Principal principal) {
            return principal instanceof Principal.PlatformCaller p
                    ? Scope.fieldIn("id", visibleIds.apply(new PlatformView(ctx.store(), ctx.tenancy()),
                            p.platformId()))
                    : Scope.ALL;
        }

        SmResponse patch(Call call) {
            ObjectNode body = call.jsonBody();
            body.fieldNames().forEachRemaining(name -> {
                if (!name.equals("labels")) {
                    throw new BadRequestException(type.name().replace('_', ' ') + " come from the broker's catalog; "
                            + "only 'labels' can be changed, not '" + name + "'");
                }
            });
            T updated = updateWithRetry(call.pathParam("id"), e -> withLabels.apply(e,
                    LabelRules.applyPatch(e.labels(), body.get("labels")), ctx.now()));
            return Responses.json(200, toJson(updated));
        }
    }

    static LabelsOnly<ServiceOffering> offerings(Context ctx) {
        return new LabelsOnly<>(ctx, EntityTypes.SERVICE_OFFERINGS, EntityJson::offering, PlatformView::offeringIds,
                ServiceOffering::withLabels);
    }

    static LabelsOnly<ServicePlan> plans(Context ctx) {
        return new LabelsOnly<>(ctx, EntityTypes.SERVICE_PLANS, EntityJson::plan, PlatformView::planIds,
                ServicePlan::withLabels);
    }
}
