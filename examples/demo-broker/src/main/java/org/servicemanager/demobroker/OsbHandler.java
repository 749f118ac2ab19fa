package org.servicemanager.demobroker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OSB API of the demo broker: catalog, provision, fetch, update, deprovision,
 * {@code last_operation}, bind, fetch binding and unbind, with the statuses the OSB 2.17
 * specification asks for (200 for an identical repeat, 409 for a conflicting one, 410 for deleting
 * what is gone, 422 {@code AsyncRequired}).
 *
 * <p>Thread-safe: the state is guarded by this object's monitor; a demo needs no finer locking.
 */
final class OsbHandler implements HttpHandler {
    /** How long provisioning the plan {@code large} takes. */
    static final Duration ASYNC_DURATION = Duration.ofSeconds(2);
    private static final String ASYNC_PLAN = "demo-db-large";
    private static final Pattern INSTANCE = Pattern.compile(
            "/v2/service_instances/([^/]+)(/last_operation|/service_bindings/([^/]+))?");
    private static final Pattern VERSION = Pattern.compile("2\\.\\d+");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * The largest request body read: OSB bodies are small JSON objects, and without a cap any caller
     * with the credentials could make the broker buffer gigabytes.
     */
    static final int MAX_BODY_BYTES = 64 * 1024;

    private final byte[] expectedAuthorization;
    private final Clock clock;
    private final JsonNode catalog;
    private final Map<String, Instance> instances = new HashMap<>();

    private record Instance(String serviceId, String planId, JsonNode parameters, Instant readyAt,
            Map<String, Binding> bindings) {
        boolean ready(Instant now) {
            return !now.isBefore(readyAt);
        }
    }

    private record Binding(String serviceId, String planId, JsonNode credentials) {
    }

    /** What a handler answers: a status and a JSON body. */
    private record Answer(int status, JsonNode body) {
    }

    OsbHandler(String username, String password, Clock clock) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        this.expectedAuthorization = ("Basic " + Base64.getEncoder().encodeToString(
                (username + ":" + password).getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.UTF_8);
        this.clock = Objects.requireNonNull(clock, "clock");
        try (InputStream in = OsbHandler.class.getResourceAsStream("catalog.json")) {
            this.catalog = JSON.readTree(Objects.requireNonNull(in, "catalog.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            if (path.equals("/")) {
                byte[] text = "Demo OSB broker: GET /v2/catalog with Basic credentials\n".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                exchange.sendResponseHeaders(200, text.length);
                exchange.getResponseBody().write(text);
                return;
            }
            // The server has parsed the URI already, so its percent-encoding is well-formed.
            Answer answer = answer(exchange, path);
            byte[] body = JSON.writeValueAsBytes(answer.body());
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.status(), body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private Answer answer(HttpExchange exchange, String path) throws IOException {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization == null || !MessageDigest.isEqual(expectedAuthorization,
                authorization.getBytes(StandardCharsets.UTF_8))) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"demo-broker\"");
            return error(401, null, "wrong or missing credentials");
        }
        String version = exchange.getRequestHeaders().getFirst("X-Broker-API-Version");
        if (version == null || !VERSION.matcher(version).matches()) {
            return error(412, null, "X-Broker-API-Version must be 2.x (this broker implements 2.17)");
        }
        String method = exchange.getRequestMethod();
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        if (path.equals("/v2/catalog")) {
            return method.equals("GET") ? new Answer(200, catalog) : notAllowed();
        }
        Matcher matcher = INSTANCE.matcher(path);
        if (!matcher.matches()) {
            return error(404, null, "no such path: " + path);
        }
        String instanceId = decode(matcher.group(1));
        JsonNode body = null;
        if (method.equals("PUT") || method.equals("PATCH")) {
            byte[] bytes = boundedBody(exchange);
            if (bytes == null) {
                return error(413, "PayloadTooLarge", "the request body exceeds this broker's limit of "
                        + MAX_BODY_BYTES + " bytes (64 KiB)");
            }
            body = parse(bytes);
            if (body == null || !body.isObject()) {
                return error(400, null, "the body must be a JSON object");
            }
        }
        synchronized (this) {
            if (matcher.group(2) == null) {
                return switch (method) {
                    case "PUT" -> provision(instanceId, body, query);
                    case "GET" -> fetch(instanceId);
                    case "PATCH" -> update(instanceId, body);
                    case "DELETE" -> deprovision(instanceId, query);
                    default -> notAllowed();
                };
            }
            if (matcher.group(3) == null) {
                return method.equals("GET") ? lastOperation(instanceId) : notAllowed();
            }
            String bindingId = decode(matcher.group(3));
            return switch (method) {
                case "PUT" -> bind(instanceId, bindingId, body);
                case "GET" -> fetchBinding(instanceId, bindingId);
                case "DELETE" -> unbind(instanceId, bindingId, query);
                default -> notAllowed();
            };
        }
    }

    private Answer provision(String id, JsonNode body, Map<String, String> query) {
        String serviceId = body.path("service_id").asText("");
        String planId = body.path("plan_id").asText("");
        if (!inCatalog(serviceId, planId)) {
            return error(400, null, "service_id '" + serviceId + "' and plan_id '" + planId
                    + "' must name a plan of this broker's catalog");
        }
        JsonNode parameters = body.path("parameters");
        Instance existing = instances.get(id);
        if (existing != null) {
            boolean identical = existing.serviceId().equals(serviceId) && existing.planId().equals(planId)
                    && existing.parameters().equals(parameters);
            if (!identical) {
                return new Answer(409, JSON.createObjectNode());
            }
            return existing.ready(clock.instant()) ? new Answer(200, JSON.createObjectNode())
                    : new Answer(202, JSON.createObjectNode().put("operation", "provision"));
        }
        boolean async = planId.equals(ASYNC_PLAN);
        if (async && !"true".equals(query.get("accepts_incomplete"))) {
            return error(422, "AsyncRequired", "the plan large is provisioned asynchronously: send accepts_incomplete=true");
        }
        Instant readyAt = async ? clock.instant().plus(ASYNC_DURATION) : clock.instant();
        instances.put(id, new Instance(serviceId, planId, parameters, readyAt, new HashMap<>()));
        return async ? new Answer(202, JSON.createObjectNode().put("operation", "provision"))
                : new Answer(201, JSON.createObjectNode());
    }

    private Answer fetch(String id) {
        Instance instance = instances.get(id);
        // The specification: 404 also while the instance is still being provisioned.
        if (instance == null || !instance.ready(clock.instant())) {
            return error(404, null, "no instance " + id);
        }
        ObjectNode answer = JSON.createObjectNode().put("service_id", instance.serviceId())
                .put("plan_id", instance.planId());
        answer.set("parameters", instance.parameters().isMissingNode() ? JSON.createObjectNode() : instance.parameters());
        return new Answer(200, answer);
    }

    private Answer update(String id, JsonNode body) {
        Instance instance = instances.get(id);
        if (instance == null) {
            return error(404, null, "no instance " + id);
        }
        if (!instance.ready(clock.instant())) {
            return error(422, "ConcurrencyError", "instance " + id + " is still being provisioned");
        }
        String planId = body.path("plan_id").asText(instance.planId());
        if (!inCatalog(instance.serviceId(), planId)) {
            return error(400, null, "plan_id '" + planId + "' is not a plan of " + instance.serviceId());
        }
        JsonNode parameters = body.has("parameters") ? body.get("parameters") : instance.parameters();
        instances.put(id, new Instance(instance.serviceId(), planId, parameters, instance.readyAt(), instance.bindings()));
        return new Answer(200, JSON.createObjectNode());
    }

    private Answer deprovision(String id, Map<String, String> query) {
        if (!query.containsKey("service_id") || !query.containsKey("plan_id")) {
            return error(400, null, "deprovision needs the query parameters service_id and plan_id");
        }
        // Bindings go with their instance; 410 tells the platform there was nothing to delete.
        return instances.remove(id) == null ? new Answer(410, JSON.createObjectNode())
                : new Answer(200, JSON.createObjectNode());
    }

    private Answer lastOperation(String id) {
        Instance instance = instances.get(id);
        if (instance == null) {
            // Deprovisioning is synchronous, so an unknown instance is one that is gone.
            return new Answer(410, JSON.createObjectNode());
        }
        return new Answer(200, JSON.createObjectNode().put("state",
                instance.ready(clock.instant()) ? "succeeded" : "in progress"));
    }

    private Answer bind(String instanceId, String bindingId, JsonNode body) {
        Instance instance = instances.get(instanceId);
        if (instance == null) {
            return error(404, null, "no instance " + instanceId);
        }
        if (!instance.ready(clock.instant())) {
            return error(422, "ConcurrencyError", "instance " + instanceId + " is still being provisioned");
        }
        String serviceId = body.path("service_id").asText("");
        String planId = body.path("plan_id").asText("");
        if (!serviceId.equals(instance.serviceId()) || !planId.equals(instance.planId())) {
            return error(400, null, "service_id and plan_id must be those of instance " + instanceId);
        }
        Binding existing = instance.bindings().get(bindingId);
        if (existing != null) {
            // Both ids matched the instance above, so a repeat is identical: the same credentials again.
            return new Answer(200, credentials(existing));
        }
        byte[] secret = new byte[18];
        RANDOM.nextBytes(secret);
        ObjectNode credentials = JSON.createObjectNode()
                .put("uri", "demo-db://" + bindingId + "@demo-broker/" + instanceId)
                .put("username", bindingId)
                .put("password", Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
        Binding binding = new Binding(serviceId, planId, credentials);
        instance.bindings().put(bindingId, binding);
        return new Answer(201, credentials(binding));
    }

    private Answer fetchBinding(String instanceId, String bindingId) {
        Instance instance = instances.get(instanceId);
        Binding binding = instance == null ? null : instance.bindings().get(bindingId);
        return binding == null ? error(404, null, "no binding " + bindingId) : new Answer(200, credentials(binding));
    }

    private Answer unbind(String instanceId, String bindingId, Map<String, String> query) {
        if (!query.containsKey("service_id") || !query.containsKey("plan_id")) {
            return error(400, null, "unbind needs the query parameters service_id and plan_id");
        }
        Instance instance = instances.get(instanceId);
        boolean removed = instance != null && instance.bindings().remove(bindingId) != null;
        return new Answer(removed ? 200 : 410, JSON.createObjectNode());
    }

    private static ObjectNode credentials(Binding binding) {
        ObjectNode answer = JSON.createObjectNode();
        answer.set("credentials", binding.credentials());
        return answer;
    }

    private boolean inCatalog(String serviceId, String planId) {
        for (JsonNode service : catalog.path("services")) {
            if (service.path("id").asText().equals(serviceId)) {
                for (JsonNode plan : service.path("plans")) {
                    if (plan.path("id").asText().equals(planId)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * The request body, or null when it is larger than {@link #MAX_BODY_BYTES}. A declared
     * Content-Length over the limit is refused before reading anything; a chunked body is read only
     * up to one byte past the limit. The JDK server drains a little of what is left when the exchange
     * closes and otherwise closes the connection, so the rest is never buffered.
     */
    private static byte[] boundedBody(HttpExchange exchange) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.strip()) > MAX_BODY_BYTES) {
                    return null;
                }
            } catch (NumberFormatException e) {
                // The JDK server refuses a malformed Content-Length before this handler runs; read bounded anyway.
            }
        }
        byte[] bytes = exchange.getRequestBody().readNBytes(MAX_BODY_BYTES + 1);
        return bytes.length > MAX_BODY_BYTES ? null : bytes;
    }

    private static JsonNode parse(byte[] bytes) {
        if (bytes.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode("not JSON");
        }
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new HashMap<>();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int equals = pair.indexOf('=');
                if (equals > 0) {
                    query.put(decode(pair.substring(0, equals)), decode(pair.substring(equals + 1)));
                }
            }
        }
        return query;
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    private static Answer notAllowed() {
        return error(405, null, "method not allowed here");
    }

    /**
     * The OSB error body: {@code description}, and {@code error} for the codes the specification names
     * and for PayloadTooLarge, which a machine may want to tell apart from a malformed body.
     */
    private static Answer error(int status, String code, String description) {
        ObjectNode body = JSON.createObjectNode();
        if (code != null) {
            body.put("error", code);
        }
        body.put("description", description);
        return new Answer(status, body);
    }
}
