package org.servicemanager.core.internal.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationError;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.model.Visibility;

/**
 * The API's JSON form of each resource. Secrets never appear here: broker credentials and platform
 * password hashes are not written at all.
 */
public final class EntityJson {
    private EntityJson() {
    }

    public static ObjectNode platform(Platform p) {
        ObjectNode node = Json.object()
                .put("id", p.id())
                .put("name", p.name())
                .put("type", p.type());
        putOptional(node, "description", p.description());
        return common(node, p);
    }

    public static ObjectNode broker(ServiceBroker b) {
        ObjectNode node = Json.object()
                .put("id", b.id())
                .put("name", b.name());
        putOptional(node, "description", b.description());
        node.put("broker_url", b.brokerUrl());
        return common(node, b);
    }

    public static ObjectNode offering(ServiceOffering o) {
        ObjectNode node = Json.object()
                .put("id", o.id())
                .put("name", o.name())
                .put("description", o.description())
                .put("bindable", o.bindable())
                .put("instances_retrievable", o.instancesRetrievable())
                .put("bindings_retrievable", o.bindingsRetrievable())
                .put("plan_updateable", o.planUpdateable())
                .put("allow_context_updates", o.allowContextUpdates());
        node.set("tags", strings(o.tags()));
        node.set("requires", strings(o.requires()));
        putJson(node, "metadata", o.metadata());
        node.put("catalog_id", o.catalogId())
                .put("catalog_name", o.catalogName())
                .put("broker_id", o.brokerId());
        return common(node, o);
    }

    public static ObjectNode plan(ServicePlan p) {
        ObjectNode node = Json.object()
                .put("id", p.id())
                .put("name", p.name())
                .put("description", p.description())
                .put("catalog_id", p.catalogId())
                .put("catalog_name", p.catalogName())
                .put("free", p.free());
        if (p.bindable() != null) {
            node.put("bindable", p.bindable());
        }
        if (p.planUpdateable() != null) {
            node.put("plan_updateable", p.planUpdateable());
        }
        if (p.maximumPollingDuration() != null) {
            node.put("maximum_polling_duration", p.maximumPollingDuration());
        }
        putJson(node, "maintenance_info", p.maintenanceInfo());
        putJson(node, "metadata", p.metadata());
        putJson(node, "schemas", p.schemas());
        node.put("service_offering_id", p.serviceOfferingId());
        return common(node, p);
    }

    public static ObjectNode visibility(Visibility v) {
        ObjectNode node = Json.object().put("id", v.id());
        if (v.platformId() == null) {
            node.putNull("platform_id");
        } else {
            node.put("platform_id", v.platformId());
        }
        node.put("service_plan_id", v.servicePlanId());
        return common(node, v);
    }

    public static ObjectNode instance(ServiceInstance i) {
        ObjectNode node = Json.object().put("id", i.id());
        putOptional(node, "name", i.name());
        node.put("service_plan_id", i.servicePlanId()).put("platform_id", i.platformId());
        putJson(node, "context", i.context());
        putOptional(node, "dashboard_url", i.dashboardUrl());
        putJson(node, "maintenance_info", i.maintenanceInfo());
        node.put("usable", i.usable());
        node.put("shared", i.shared());
        if (i.referencedInstanceId() != null) {
            node.put("referenced_instance_id", i.referencedInstanceId());
        }
        return common(node, i);
    }

    public static ObjectNode binding(ServiceBinding b) {
        ObjectNode node = Json.object().put("id", b.id());
        putOptional(node, "name", b.name());
        node.put("service_instance_id", b.serviceInstanceId()).put("platform_id", b.platformId());
        putJson(node, "context", b.context());
        putJson(node, "bind_resource", b.bindResource());
        return common(node, b);
    }

    /**
     * An operation as clients see it: never its scheduling fields (step, lease, the broker's
     * operation value, details). {@code errors} is always present, the cascade and orphan
     * mitigation fields only when set.
     */
    public static ObjectNode operation(Operation o) {
        ObjectNode node = Json.object()
                .put("id", o.id())
                .put("type", Operation.wire(o.type()))
                .put("state", Operation.wire(o.state()))
                .put("resource_id", o.resourceId())
                .put("resource_type", o.resourceType())
                .put("platform_id", o.platformId());
        putOptional(node, "correlation_id", o.correlationId());
        putOptional(node, "description", o.description());
        ArrayNode errors = node.putArray("errors");
        for (OperationError error : o.errors()) {
            ObjectNode e = errors.addObject().put("error", error.error());
            putOptional(e, "description", error.description());
        }
        if (o.deletionScheduled() != null) {
            node.put("deletion_scheduled", Json.timestamp(o.deletionScheduled()));
        }
        putOptional(node, "parent_id", o.parentId());
        putOptional(node, "cascade_root_id", o.cascadeRootId());
        return common(node, o);
    }

    /**
     * The summary kept on the resource itself, for records whose operation is not stored (made
     * before operations were, or already removed by the retention).
     */
    public static ObjectNode lastOperation(LastOperation operation) {
        ObjectNode node = Json.object()
                .put("type", Operation.wire(operation.type()))
                .put("state", Operation.wire(operation.state()));
        putOptional(node, "description", operation.description());
        return node;
    }

    public static ObjectNode labels(Labels labels) {
        ObjectNode node = Json.object();
        labels.asMap().forEach((key, values) -> node.set(key, strings(values)));
        return node;
    }

    private static ObjectNode common(ObjectNode node, Entity e) {
        node.put("created_at", Json.timestamp(e.createdAt()));
        node.put("updated_at", Json.timestamp(e.updatedAt()));
        node.set("labels", labels(e.labels()));
        node.put("ready", e.ready());
        return node;
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode array = Json.mapper().createArrayNode();
        values.forEach(array::add);
        return array;
    }

    private static void putOptional(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static void putJson(ObjectNode node, String field, String json) {
        if (json != null) {
            JsonNode value = Json.readTrusted(json);
            node.set(field, value);
        }
    }
}
