package org.servicemanager.core.internal.operations;

import static org.servicemanager.core.internal.http.UriCoding.encode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.servicemanager.api.BrokerUnreachableException;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.core.internal.broker.BrokerClient;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.json.Text;
import org.servicemanager.core.internal.registry.Context;

/**
 * The OSB requests the Service Manager makes as a platform (OSB.md, "Facing brokers"): paths,
 * queries, headers and bodies, sent with the broker's own credentials. Stateless apart from the
 * context; thread-safe.
 */
final class BrokerCalls {
    /** Beyond this a broker's {@code Retry-After} is not waited for. */
    static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

    private final Context ctx;

    BrokerCalls(Context ctx) {
        this.ctx = ctx;
    }

    /** What a call is about: the broker, the offering and plan, the instance and (for a binding) the binding. */
    record Target(ServiceBroker broker, ServiceOffering offering, ServicePlan plan, ServiceInstance instance,
            ServiceBinding binding) {
        String path() {
            String path = "/v2/service_instances/" + encode(instance.id());
            return binding == null ? path : path + "/service_bindings/" + encode(binding.id());
        }

        String idsQuery() {
            return "service_id=" + encode(offering.catalogId()) + "&plan_id=" + encode(plan.catalogId());
        }

        String what() {
            return binding == null ? "service instance '" + instance.id() + "'"
                    : "service binding '" + binding.id() + "'";
        }
    }

    /** A broker's answer: status, the body as JSON ({@code null} if it is not JSON) and headers. */
    record Answer(int status, JsonNode json, Map<String, List<String>> headers) {
        boolean isObject() {
            return json != null && json.isObject();
        }

        /**
         * A text field of the answer's object, or {@code null}; made storable ({@link Text#sanitized}):
         * whatever is read here ends up in a record, and one NUL would fail the whole write.
         */
        String text(String field) {
            return Text.brokerField(json, field);
        }

        /**
         * The broker's {@code Retry-After}, either delay-seconds or an HTTP-date (RFC 9110, section
         * 10.2.3; a date in the past is no wait), capped at an hour; {@code null} if absent or garbage.
         */
        Duration retryAfter(Instant now) {
            for (Map.Entry<String, List<String>> header : headers.entrySet()) {
                if ("Retry-After".equalsIgnoreCase(header.getKey()) && !header.getValue().isEmpty()) {
                    Duration d = retryAfter(header.getValue().get(0).trim(), now);
                    if (d != null) {
                        return d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d;
                    }
                }
            }
            return null;
        }

        private static Duration retryAfter(String value, Instant now) {
            if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                try {
                    return Duration.ofSeconds(Long.parseLong(value));
                } catch (NumberFormatException e) {
                    // More digits than a long holds: longer than any cap.
                    return MAX_RETRY_AFTER;
                }
            }
            try {
                // RFC 1123 is the IMF-fixdate form senders must use; the obsolete forms are rare enough to ignore.
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
            } catch (DateTimeParseException e) {
                return null;
            }
        }
    }

    /** The context the Service Manager sends as a platform. */
    static ObjectNode context(String instanceName) {
        ObjectNode context = Json.object().put("platform", Platform.SERVICE_MANAGER_ID);
        if (instanceName != null) {
            context.put("instance_name", instanceName);
        }
        return context;
    }

    /**
     * What the Service Manager answers itself for a reference instance, which the broker never
     * knows: its provision and deprovision succeed at once, and the rest of the engine treats them
     * like any broker's synchronous answer.
     */
    private static CompletableFuture<Answer> answeredForReference(int status) {
        return CompletableFuture.completedFuture(new Answer(status, Json.object(), Map.of()));
    }

    /** PUT of a provision. */
    CompletableFuture<Answer> provision(Target t, ObjectNode context, JsonNode parameters, String correlationId,
            String originatingIdentity) {
        if (t.instance().isReference()) {
            return answeredForReference(201);
        }
        ObjectNode body = Json.object().put("service_id", t.offering().catalogId())
                .put("plan_id", t.plan().catalogId()).put("organization_guid", "-").put("space_guid", "-");
        body.set("context", context);
        if (parameters != null && !parameters.isNull()) {
            body.set("parameters", parameters);
        }
        JsonNode maintenance = Json.readTrustedOrNull(t.plan().maintenanceInfo());
        if (maintenance != null) {
            body.set("maintenance_info", maintenance);
        }
        return send(t, "PUT", t.path(), "accepts_incomplete=true", body, correlationId, originatingIdentity);
    }

    /** PATCH of an instance update to {@code targetPlan} from {@code current}. */
    CompletableFuture<Answer> update(Target t, ServicePlan currentPlan, String currentMaintenance,
            String targetMaintenance, ObjectNode context, JsonNode parameters, String correlationId,
            String originatingIdentity) {
        ObjectNode body = Json.object().put("service_id", t.offering().catalogId())
                .put("plan_id", t.plan().catalogId());
        body.set("context", context);
        if (parameters != null && !parameters.isNull()) {
            body.set("parameters", parameters);
        }
        if (targetMaintenance != null && !targetMaintenance.equals(currentMaintenance)) {
            body.set("maintenance_info", Json.readTrusted(targetMaintenance));
        }
        ObjectNode previous = Json.object().put("service_id", t.offering().catalogId())
                .put("plan_id", currentPlan.catalogId());
        if (currentMaintenance != null) {
            previous.set("maintenance_info", Json.readTrusted(currentMaintenance));
        }
        body.set("previous_values", previous);
        return send(t, "PATCH", t.path(), "accepts_incomplete=true", body, correlationId, originatingIdentity);
    }

    /** PUT of a bind. */
    CompletableFuture<Answer> bind(Target t, JsonNode parameters, String correlationId, String originatingIdentity) {
        ObjectNode body = Json.object().put("service_id", t.offering().catalogId())
                .put("plan_id", t.plan().catalogId());
        body.set("context", context(t.instance().name()));
        JsonNode bindResource = Json.readTrustedOrNull(t.binding().bindResource());
        if (bindResource != null) {
            body.set("bind_resource", bindResource);
        }
        if (parameters != null && !parameters.isNull()) {
            body.set("parameters", parameters);
        }
        return send(t, "PUT", t.path(), "accepts_incomplete=true", body, correlationId, originatingIdentity);
    }

    /** DELETE of the instance or binding (deprovision, unbind, orphan mitigation). */
    CompletableFuture<Answer> delete(Target t, String correlationId, String originatingIdentity) {
        if (t.binding() == null && t.instance().isReference()) {
            return answeredForReference(200);
        }
        return send(t, "DELETE", t.path(), "accepts_incomplete=true&" + t.idsQuery(), null, correlationId,
                originatingIdentity);
    }

    /** GET of {@code last_operation} with the broker's {@code operation} value (if any). */
    CompletableFuture<Answer> lastOperation(Target t, String brokerOperation, String correlationId) {
        String query = (brokerOperation == null ? "" : "operation=" + encode(brokerOperation) + "&") + t.idsQuery();
        return send(t, "GET", t.path() + "/last_operation", query, null, correlationId, null);
    }

    /** GET of the instance or binding. */
    CompletableFuture<Answer> fetch(Target t, String correlationId, String originatingIdentity) {
        return send(t, "GET", t.path(), null, null, correlationId, originatingIdentity);
    }

    private CompletableFuture<Answer> send(Target t, String method, String path, String query, JsonNode body,
            String correlationId, String originatingIdentity) {
        try {
            String correlation = correlationId == null ? UUID.randomUUID().toString() : correlationId;
            Map<String, String> headers = new HashMap<>();
            headers.put("X-Broker-API-Request-Identity", correlation);
            headers.put("X-Correlation-ID", correlation);
            if (originatingIdentity != null) {
                headers.put("X-Broker-API-Originating-Identity", originatingIdentity);
            }
            URI uri = BrokerClient.endpoint(t.broker().brokerUrl(), path, query);
            CompletableFuture<BrokerClient.BrokerResponse> sent = ctx.brokers().send(t.broker().name(),
                    ctx.secrets().open(t.broker().credentials()),
                    new BrokerClient.BrokerRequest(method, uri, headers, body == null ? null : Json.bytes(body)));
            if (sent.isCompletedExceptionally()) {
                // Failed before anything went out (a request the client cannot build, a closed client):
                // a real exchange always ends later, on another thread.
                Throwable cause;
                try {
                    sent.join();
                    cause = new IllegalStateException("failed");
                } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                    cause = e.getCause() != null ? e.getCause() : e;
                }
                return CompletableFuture.failedFuture(notSent(t, method, cause));
            }
            return sent.thenApply(r -> new Answer(r.status(), r.body().length == 0 ? null : Json.tryParse(r.body()),
                    r.headers()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(notSent(t, method, e));
        }
    }

    /**
     * A call that failed before any request was sent (the broker's credentials could not be opened,
     * the request could not be built, the client is closed): the broker certainly received nothing,
     * so a create needs no orphan mitigation.
     */
    static NotSent notSent(Target t, String method, Throwable cause) {
        // The cause's message names what was wrong, never a secret (BrokerSecrets and BrokerClient keep them out).
        String reason = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        return new NotSent("service broker '" + t.broker().name() + "' could not be called (" + method + " "
                + t.what() + "): " + reason);
    }

    /** See {@link #notSent}. */
    static final class NotSent extends BrokerUnreachableException {
        private static final long serialVersionUID = 1L;

        NotSent(String message) {
            super(message, false);
        }
    }
}
