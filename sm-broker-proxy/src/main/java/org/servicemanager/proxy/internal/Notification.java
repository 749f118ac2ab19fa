package org.servicemanager.proxy.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One notification frame (its format: README, "Notifications WebSocket"), checked completely before anything is applied, so that a bad
 * frame never leaves the model half-changed. Immutable.
 *
 * @param id            the notification's id
 * @param revision      its revision
 * @param correlationId the correlation id of the change that caused it, or the notification id
 * @param change        what it means for the model
 */
public record Notification(String id, long revision, String correlationId, Change change) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A frame that is not a notification this proxy understands. */
    public static final class BadNotificationException extends Exception {
        private static final long serialVersionUID = 1L;

        BadNotificationException(String message) {
            super(message);
        }

        BadNotificationException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What a notification changes in the model; {@link #apply} returns the brokers to reconcile. */
    public sealed interface Change permits BrokerPut, BrokerRemoved, VisibilityPut, VisibilityRemoved, Ignored {
        Set<String> apply(SmModel model);
    }

    /** A broker was created or changed (renamed, catalog refreshed). */
    public record BrokerPut(SmModel.Broker broker) implements Change {
        @Override
        public Set<String> apply(SmModel model) {
            model.putBroker(broker);
            return Set.of(broker.id());
        }
    }

    /** A broker was deleted. */
    public record BrokerRemoved(String brokerId) implements Change {
        @Override
        public Set<String> apply(SmModel model) {
            model.removeBroker(brokerId);
            return Set.of(brokerId);
        }
    }

    /**
     * A visibility was created or changed; {@code oldBrokerId} is the broker of its former plan when
     * a change moved it to another plan (null otherwise).
     */
    public record VisibilityPut(SmModel.Visibility visibility, String brokerId, String brokerName,
                                String planCatalogId, String oldBrokerId) implements Change {
        @Override
        public Set<String> apply(SmModel model) {
            Set<String> affected = new LinkedHashSet<>();
            model.visibility(visibility.id()).flatMap(old -> model.brokerOfPlan(old.planId())).ifPresent(affected::add);
            if (oldBrokerId != null) {
                affected.add(oldBrokerId);
            }
            model.putVisibility(visibility, brokerId, brokerName, planCatalogId);
            affected.add(brokerId);
            return affected;
        }
    }

    /** A visibility was deleted ({@code brokerId} from the payload, or null if it did not say). */
    public record VisibilityRemoved(String visibilityId, String brokerId) implements Change {
        @Override
        public Set<String> apply(SmModel model) {
            Set<String> affected = new LinkedHashSet<>();
            if (brokerId != null) {
                affected.add(brokerId);
            }
            model.visibility(visibilityId).flatMap(v -> model.brokerOfPlan(v.planId())).ifPresent(affected::add);
            model.removeVisibility(visibilityId);
            return affected;
        }
    }

    /**
     * A notification about a resource the proxy does not mirror (a newer Service Manager may send
     * more kinds): it only moves the revision on.
     */
    public record Ignored(String resource) implements Change {
        @Override
        public Set<String> apply(SmModel model) {
            return Set.of();
        }
    }

    /** Parses and checks one frame. */
    public static Notification parse(String text) throws BadNotificationException {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new BadNotificationException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new BadNotificationException("not a JSON object");
        }
        String id = text(root, "id");
        JsonNode revisionNode = root.get("revision");
        if (revisionNode == null || !revisionNode.canConvertToExactIntegral() || revisionNode.asLong() < 0) {
            throw new BadNotificationException("notification " + id + " has no non-negative integer revision");
        }
        long revision = revisionNode.asLong();
        String resource = text(root, "resource");
        String type = text(root, "type");
        if (!resource.equals("/v1/service_brokers") && !resource.equals("/v1/visibilities")) {
            return new Notification(id, revision, correlationId(root, id), new Ignored(resource));
        }
        JsonNode payload = object(root, "payload", "notification " + revision);
        String correlation = correlationId(root, id);
        String where = "notification " + revision + " (" + type + " " + resource + ")";
        Change change = switch (resource + " " + type) {
            case "/v1/service_brokers CREATED", "/v1/service_brokers MODIFIED" ->
                    new BrokerPut(broker(object(payload, "new", where), where));
            case "/v1/service_brokers DELETED" ->
                    new BrokerRemoved(text(object(object(payload, "old", where), "resource", where), "id"));
            case "/v1/visibilities CREATED", "/v1/visibilities MODIFIED" -> visibilityPut(payload, where);
            case "/v1/visibilities DELETED" -> {
                JsonNode old = object(payload, "old", where);
                JsonNode brokerId = old.path("additional").path("broker_id");
                yield new VisibilityRemoved(text(object(old, "resource", where), "id"),
                        brokerId.isTextual() ? brokerId.asText() : null);
            }
            default -> throw new BadNotificationException(where + " is of no known resource and type");
        };
        return new Notification(id, revision, correlation, change);
    }

    private static String correlationId(JsonNode root, String id) {
        return root.path("correlation_id").isTextual() ? root.get("correlation_id").asText() : id;
    }

    private static SmModel.Broker broker(JsonNode state, String where) throws BadNotificationException {
        JsonNode resource = object(state, "resource", where);
        Map<String, String> plans = new HashMap<>();
        JsonNode services = state.path("additional").path("services");
        if (!services.isMissingNode() && !services.isArray()) {
            throw new BadNotificationException(where + ": additional.services is not an array");
        }
        for (JsonNode service : services) {
            for (JsonNode plan : service.path("plans")) {
                plans.put(text(plan, "id"), text(plan, "catalog_id"));
            }
        }
        return new SmModel.Broker(text(resource, "id"), text(resource, "name"), plans);
    }

    private static Change visibilityPut(JsonNode payload, String where) throws BadNotificationException {
        JsonNode state = object(payload, "new", where);
        JsonNode resource = object(state, "resource", where);
        JsonNode additional = object(state, "additional", where);
        JsonNode plan = object(additional, "service_plan", where);
        JsonNode platform = resource.path("platform_id");
        SmModel.Visibility visibility = new SmModel.Visibility(text(resource, "id"), text(resource, "service_plan_id"),
                platform.isTextual() ? platform.asText() : null, labels(resource.path("labels"), where));
        String oldBroker = payload.path("old").path("additional").path("broker_id").isTextual()
                ? payload.get("old").get("additional").get("broker_id").asText() : null;
        String brokerId = text(additional, "broker_id");
        return new VisibilityPut(visibility, brokerId, text(additional, "broker_name"), text(plan, "catalog_id"),
                brokerId.equals(oldBroker) ? null : oldBroker);
    }

    static Map<String, List<String>> labels(JsonNode labels, String where) throws BadNotificationException {
        Map<String, List<String>> result = new HashMap<>();
        if (labels.isMissingNode() || labels.isNull()) {
            return result;
        }
        if (!labels.isObject()) {
            throw new BadNotificationException(where + ": labels is not an object");
        }
        for (Map.Entry<String, JsonNode> e : labels.properties()) {
            List<String> values = new ArrayList<>();
            for (JsonNode v : e.getValue()) {
                values.add(v.asText());
            }
            result.put(e.getKey(), values);
        }
        return result;
    }

    private static JsonNode object(JsonNode parent, String field, String where) throws BadNotificationException {
        JsonNode node = parent.get(field);
        if (node == null || !node.isObject()) {
            throw new BadNotificationException(where + " has no object " + field);
        }
        return node;
    }

    private static String text(JsonNode parent, String field) throws BadNotificationException {
        JsonNode node = parent.get(field);
        if (node == null || !node.isTextual() || node.asText().isEmpty()) {
            throw new BadNotificationException("field " + field + " is missing or not a non-empty string");
        }
        return node.asText();
    }
}
