package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.RouteTable;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.internal.registry.OpenApiDocument;
import org.servicemanager.oauth.BuiltInIssuer;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * The OpenAPI document against the running Service Manager: it is valid OpenAPI 3.1 to a real
 * parser, it documents every route the router knows (with the access each route has), every
 * documented operation is served (answered, with real ids, by something other than 404), and
 * {@code GET /v1/openapi.json} serves it. The Service Manager here has every optional path: the
 * built-in token issuer (sm-oauth) and the metrics endpoint, so nothing is skipped.
 */
class OpenApiDocumentTest extends OsbTestBase {
    private static final String METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Where the issuer's catch-all routes end: the router gives the issuer every method under its prefix. */
    private static final String CATCH_ALL = "...}";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_]+)}");

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.encryptionKey(new byte[32])
                .tokenIssuer(BuiltInIssuer.builder().issuerUrl("http://127.0.0.1/oauth").build())
                .metricsEndpoint(METRICS_TYPE, () -> "# no meters in this test\n");
    }

    private static String resourceText() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(OpenApiDocument.RESOURCE)) {
            assertThat(in).as(OpenApiDocument.RESOURCE).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SwaggerParseResult parse(boolean resolveFully) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        options.setResolveFully(resolveFully);
        return new OpenAPIV3Parser().readContents(resourceText(), null, options);
    }

    /** One documented operation. */
    private record Documented(String method, String path, Operation operation) {
    }

    private static List<Documented> documented(OpenAPI api) {
        List<Documented> result = new ArrayList<>();
        api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) ->
                result.add(new Documented(method.name(), path, operation))));
        return result;
    }

    private static String access(Operation operation) {
        Object access = operation.getExtensions() == null ? null : operation.getExtensions().get("x-sm-access");
        return access == null ? null : access.toString();
    }

    @Test
    @DisplayName("The document is OpenAPI 3.1 that a real parser reads without an error or a warning")
    void parsesAsOpenApi31() {
        SwaggerParseResult result = parse(false);

        assertThat(result.getMessages()).isEmpty();
        assertThat(result.getOpenAPI()).isNotNull();
        assertThat(result.getOpenAPI().getSpecVersion()).isEqualTo(SpecVersion.V31);
        assertThat(result.getOpenAPI().getOpenapi()).startsWith("3.1.");
        assertThat(result.getOpenAPI().getComponents().getSecuritySchemes()).containsOnlyKeys("basicAuth",
                "bearerAuth");
    }

    /**
     * The schemas a 4xx or 5xx answer may have besides {@code Error}, each for a reason: the health
     * report says DOWN with a 503 in its own shape; the OSB face passes a broker's answer through
     * unchanged (a 410 is {@code {}}); the token endpoint answers OAuth 2.0 error objects, as RFC 6749
     * 5.2 requires.
     */
    private static final Map<String, String> OTHER_ERROR_BODIES = Map.of(
            "/v1/monitor/health", "#/components/schemas/Health",
            "/v1/osb/", "#/components/schemas/OsbObject",
            "/oauth/", "#/components/schemas/OAuthError");

    @Test
    @DisplayName("Every 4xx and 5xx answer has the {error, description} body, but for a few named exceptions")
    void everyErrorAnswerIsAnErrorBody() {
        OpenAPI api = parse(false).getOpenAPI();
        List<String> others = new ArrayList<>();
        for (Documented d : documented(api)) {
            d.operation().getResponses().forEach((status, given) -> {
                if (!status.startsWith("4") && !status.startsWith("5")) {
                    return;
                }
                io.swagger.v3.oas.models.responses.ApiResponse response = given.get$ref() == null ? given
                        : api.getComponents().getResponses().get(given.get$ref().substring(
                                given.get$ref().lastIndexOf('/') + 1));
                var json = response.getContent() == null ? null : response.getContent().get("application/json");
                String schema = json == null || json.getSchema() == null ? null : json.getSchema().get$ref();
                boolean allowed = "#/components/schemas/Error".equals(schema)
                        || OTHER_ERROR_BODIES.entrySet().stream().anyMatch(e -> d.path().startsWith(e.getKey())
                        && e.getValue().equals(schema));
                if (!allowed) {
                    others.add(d.method() + " " + d.path() + " " + status + ": " + schema);
                }
            });
        }
        assertThat(others).isEmpty();
        Schema<?> error = api.getComponents().getSchemas().get("Error");
        List<String> required = error.getRequired();
        assertThat(required).containsExactlyInAnyOrder("error", "description");
    }

    /**
     * Whether a route hands everything under a prefix to someone else (the built-in issuer): a
     * {@code {name...}} route, or the bare prefix of one (the issuer answers it too, with 404).
     */
    private static boolean isCatchAll(RouteTable.Entry route, List<RouteTable.Entry> routes) {
        return route.pattern().endsWith(CATCH_ALL) || routes.stream().anyMatch(r -> r.pattern().endsWith(CATCH_ALL)
                && r.pattern().startsWith(route.pattern() + "/{") && r.pattern().indexOf('/', route.pattern().length()
                + 1) < 0);
    }

    /** The prefix, ending in {@code /}, under which a catch-all route's paths lie. */
    private static String catchAllPrefix(RouteTable.Entry route) {
        return route.pattern().endsWith(CATCH_ALL)
                ? route.pattern().substring(0, route.pattern().lastIndexOf('/') + 1) : route.pattern() + "/";
    }

    @Test
    @DisplayName("Every required field of a schema is one of its properties (the parser drops any other silently)")
    void requiredFieldsAreProperties() throws IOException {
        JsonNode schemas = MAPPER.readTree(resourceText()).at("/components/schemas");
        List<String> strays = new ArrayList<>();
        schemas.properties().forEach(entry -> {
            JsonNode schema = entry.getValue();
            if (schema.has("required") && schema.has("properties")) {
                schema.get("required").forEach(name -> {
                    if (!schema.get("properties").has(name.asText())) {
                        strays.add(entry.getKey() + "." + name.asText());
                    }
                });
            }
        });
        assertThat(schemas.size()).isGreaterThan(30);
        assertThat(strays).isEmpty();
    }

    @Test
    @DisplayName("Every route the router knows is documented, with the access the route has")
    void everyRouteIsDocumented() {
        OpenAPI api = parse(false).getOpenAPI();
        List<Documented> documented = documented(api);
        List<String> missing = new ArrayList<>();
        List<String> wrongAccess = new ArrayList<>();
        List<RouteTable.Entry> routes = RouteTable.of(server.sm());
        for (RouteTable.Entry route : routes) {
            if (isCatchAll(route, routes)) {
                // The built-in issuer's routes hand every method under its prefix to the issuer, which
                // serves a few paths of its own: those must be documented, as public.
                String prefix = catchAllPrefix(route);
                List<Documented> under = documented.stream().filter(d -> d.path().startsWith(prefix)).toList();
                if (under.isEmpty()) {
                    missing.add(route.method() + " " + route.pattern());
                }
                under.stream().filter(d -> !route.access().equals(access(d.operation())))
                        .forEach(d -> wrongAccess.add(d.method() + " " + d.path() + ": " + access(d.operation())));
                continue;
            }
            PathItem item = api.getPaths().get(route.pattern());
            Operation operation = item == null ? null
                    : item.readOperationsMap().get(PathItem.HttpMethod.valueOf(route.method()));
            if (operation == null) {
                missing.add(route.method() + " " + route.pattern());
            } else if (!route.access().equals(access(operation))) {
                wrongAccess.add(route.method() + " " + route.pattern() + ": documented " + access(operation)
                        + ", route " + route.access());
            }
        }
        assertThat(routes).hasSizeGreaterThan(50);
        assertThat(missing).as("routes missing from the document").isEmpty();
        assertThat(wrongAccess).as("operations whose x-sm-access is not the route's").isEmpty();
    }

    @Test
    @DisplayName("Every documented operation is a route of the router (none is documented that is not served)")
    void everyDocumentedOperationIsARoute() {
        List<RouteTable.Entry> routes = RouteTable.of(server.sm());
        List<String> unrouted = new ArrayList<>();
        for (Documented d : documented(parse(false).getOpenAPI())) {
            boolean routed = routes.stream().anyMatch(r -> r.method().equals(d.method())
                    && (r.pattern().equals(d.path()) || r.pattern().endsWith(CATCH_ALL)
                    && d.path().startsWith(catchAllPrefix(r))));
            if (!routed) {
                unrouted.add(d.method() + " " + d.path());
            }
        }
        assertThat(unrouted).isEmpty();
    }

    /** The ids of real resources that the documented paths are called with. */
    private final class Ids {
        final String platformId = platformId(platformB);
        final String brokerId = stage.brokerId;
        final String offeringId = offeringsOfBroker(stage.brokerId).get(0).get("id").asText();
        final String planId = stage.plan("small");
        final String visibilityId = createVisibility(stage.plan("large"), platformId(platformB)).get("id").asText();
        final String instanceId;
        final String instanceOperationId;
        final String bindingId;
        final String bindingOperationId;
        final String cascadedPlatformId;
        final String platformOperationId;
        final String osbInstanceId = unique("osb-instance");
        final String osbBindingId = unique("osb-binding");

        Ids() {
            ApiResponse instance = admin.post("/v1/service_instances", json("name", unique("instance"),
                    "service_plan_id", planId));
            assertThat(instance.status()).as(instance.body()).isEqualTo(201);
            instanceId = instance.text("id");
            instanceOperationId = admin.get("/v1/service_instances/" + instanceId).json()
                    .at("/last_operation/id").asText();
            ApiResponse binding = admin.post("/v1/service_bindings", json("name", unique("binding"),
                    "service_instance_id", instanceId));
            assertThat(binding.status()).as(binding.body()).isEqualTo(201);
            bindingId = binding.text("id");
            bindingOperationId = admin.get("/v1/service_bindings/" + bindingId).json()
                    .at("/last_operation/id").asText();
            cascadedPlatformId = platformId(createPlatform());
            ApiResponse cascade = admin.delete("/v1/platforms/" + cascadedPlatformId + "?cascade=true");
            assertThat(cascade.status()).as(cascade.body()).isEqualTo(202);
            String location = cascade.header("Location").orElseThrow();
            platformOperationId = location.substring(location.lastIndexOf('/') + 1);
        }

        /** The value of a path placeholder in {@code path}. */
        String value(String path, String placeholder) {
            boolean ofOperation = path.endsWith("/operations/{op_id}");
            return switch (placeholder) {
                case "broker_id" -> brokerId;
                case "instance_id" -> osbInstanceId;
                case "binding_id" -> osbBindingId;
                case "op_id" -> path.startsWith("/v1/platforms/") ? platformOperationId
                        : path.startsWith("/v1/service_instances/") ? instanceOperationId : bindingOperationId;
                case "id" -> {
                    String type = path.split("/")[2];
                    yield switch (type) {
                        case "platforms" -> ofOperation ? cascadedPlatformId : platformId;
                        case "service_brokers" -> brokerId;
                        case "service_offerings" -> offeringId;
                        case "service_plans" -> planId;
                        case "visibilities" -> visibilityId;
                        case "service_instances" -> instanceId;
                        case "service_bindings" -> bindingId;
                        default -> throw new AssertionError("no id of a " + type + " for " + path);
                    };
                }
                default -> throw new AssertionError("no value for {" + placeholder + "} in " + path
                        + "; teach this test one");
            };
        }
    }

    /** Creates before reads, reads before changes, deletes last and dependents before what they depend on. */
    private static int order(Documented d) {
        int method = List.of("POST", "PUT", "GET", "PATCH", "DELETE").indexOf(d.method());
        if (!d.method().equals("DELETE")) {
            return method * 100;
        }
        List<String> deleteOrder = List.of("/v1/osb/", "/v1/service_bindings", "/v1/service_instances",
                "/v1/visibilities", "/v1/service_brokers", "/v1/platforms");
        for (int i = 0; i < deleteOrder.size(); i++) {
            if (d.path().startsWith(deleteOrder.get(i))) {
                // Within the OSB face, a binding (the longer path) before its instance.
                return method * 100 + i * 10 + (d.path().contains("service_bindings") ? 0 : 1);
            }
        }
        return method * 100 + 99;
    }

    /** A value for each required query parameter (OSB deletes); an unknown one fails the test. */
    private static String requiredQuery(OpenAPI api, Operation operation) {
        StringBuilder query = new StringBuilder();
        for (Parameter given : operation.getParameters() == null ? List.<Parameter>of()
                : operation.getParameters()) {
            Parameter parameter = given.get$ref() == null ? given
                    : api.getComponents().getParameters().get(refName(given.get$ref()));
            if ("query".equals(parameter.getIn()) && Boolean.TRUE.equals(parameter.getRequired())) {
                String value = switch (parameter.getName()) {
                    case "service_id" -> "db-id";
                    case "plan_id" -> "small-id";
                    default -> throw new AssertionError("no value for the required query parameter "
                            + parameter.getName() + "; teach this test one");
                };
                query.append(query.length() == 0 ? '?' : '&').append(parameter.getName()).append('=').append(value);
            }
        }
        return query.toString();
    }

    private ApiClient clientFor(Operation operation) {
        String access = access(operation);
        assertThat(access).as("x-sm-access of " + operation.getOperationId()).isNotNull();
        return switch (access) {
            case "PUBLIC" -> anonymous;
            case "PLATFORM" -> osbA;
            default -> admin;
        };
    }

    /** A body that gets past routing: real OSB creates (so the later calls find them), else {@code {}}. */
    private ApiResponse call(Documented d, ApiClient client, String path) {
        if (d.operation().getRequestBody() == null) {
            return client.raw(d.method(), path, null, null);
        }
        var content = d.operation().getRequestBody().getContent();
        if (content.containsKey("application/x-www-form-urlencoded")) {
            return client.raw(d.method(), path, "application/x-www-form-urlencoded",
                    "grant_type=client_credentials".getBytes(StandardCharsets.UTF_8));
        }
        String body = switch (d.operation().getOperationId()) {
            case "osbProvision" -> provisionBody("small");
            case "osbBind" -> bindBody("db", "small");
            case "osbUpdate" -> json("service_id", "db-id");
            default -> "{}";
        };
        return client.raw(d.method(), path, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("Every documented operation, called with real ids, answers something other than 404 or 405, "
            + "with a status the document lists for it and the fields its schema names")
    void everyDocumentedOperationIsServed() {
        Ids ids = new Ids();
        OpenAPI api = parse(false).getOpenAPI();
        List<Documented> operations = new ArrayList<>(documented(api));
        operations.sort(Comparator.comparingInt(OpenApiDocumentTest::order));
        List<String> unserved = new ArrayList<>();
        List<String> undocumented = new ArrayList<>();
        List<String> wrongFields = new ArrayList<>();
        for (Documented d : operations) {
            Matcher placeholders = PLACEHOLDER.matcher(d.path());
            String path = placeholders.replaceAll(m -> Matcher.quoteReplacement(
                    ApiClient.encode(ids.value(d.path(), m.group(1)))));
            ApiResponse response = call(d, clientFor(d.operation()), path + requiredQuery(api, d.operation()));
            String line = d.method() + " " + path + " -> " + response.status() + " " + response.body();
            if (response.status() == 404 || response.status() == 405 || response.status() >= 500) {
                unserved.add(line);
            } else if (!d.operation().getResponses().containsKey(Integer.toString(response.status()))) {
                undocumented.add(line);
            } else if (response.status() / 100 == 2) {
                checkFields(api, d.method() + " " + d.path() + " " + response.status(),
                        d.operation().getResponses().get(Integer.toString(response.status())), response, wrongFields);
            }
        }
        assertThat(operations).hasSizeGreaterThan(50);
        assertThat(unserved).as("documented operations not served").isEmpty();
        assertThat(undocumented).as("answers with a status the document does not list").isEmpty();
        assertThat(wrongFields).as("answers whose fields the document does not describe").isEmpty();
    }

    /** The component name a {@code $ref} names. */
    private static String refName(String ref) {
        return ref.substring(ref.lastIndexOf('/') + 1);
    }

    /** The schema itself, following {@code $ref}s to the components. */
    private static Schema<?> deref(OpenAPI api, Schema<?> schema) {
        Schema<?> current = schema;
        while (current != null && current.get$ref() != null) {
            current = api.getComponents().getSchemas().get(refName(current.get$ref()));
        }
        return current;
    }

    /** Required fields of a schema and of every part of its {@code allOf}. */
    private static List<String> required(OpenAPI api, Schema<?> schema) {
        Schema<?> s = deref(api, schema);
        List<String> result = new ArrayList<>(s.getRequired() == null ? List.of() : s.getRequired());
        if (s.getAllOf() != null) {
            s.getAllOf().forEach(part -> result.addAll(required(api, part)));
        }
        return result;
    }

    /** Properties of a schema and of every part of its {@code allOf}. */
    private static Map<String, Schema<?>> properties(OpenAPI api, Schema<?> schema) {
        Schema<?> s = deref(api, schema);
        Map<String, Schema<?>> result = new java.util.LinkedHashMap<>();
        if (s.getProperties() != null) {
            s.getProperties().forEach(result::put);
        }
        if (s.getAllOf() != null) {
            s.getAllOf().forEach(part -> result.putAll(properties(api, part)));
        }
        return result;
    }

    /**
     * The fields of a JSON answer against its documented schema: every required field is there, and
     * where the schema lists its properties, no field is missing from the list. A page's items are
     * checked against the item schema. Objects the schema leaves open (a broker's answer,
     * parameters) are not looked into.
     */
    private static void checkFields(OpenAPI api, String where, io.swagger.v3.oas.models.responses.ApiResponse given,
            ApiResponse response, List<String> problems) {
        var documented = given.get$ref() == null ? given
                : api.getComponents().getResponses().get(refName(given.get$ref()));
        var content = documented.getContent() == null ? null : documented.getContent().get("application/json");
        if (content == null || content.getSchema() == null) {
            return;
        }
        checkObject(api, where, content.getSchema(), response.json(), problems);
    }

    private static void checkObject(OpenAPI api, String where, Schema<?> schema, JsonNode value,
            List<String> problems) {
        if (!value.isObject()) {
            return;
        }
        for (String field : required(api, schema)) {
            if (!value.has(field)) {
                problems.add(where + ": required field '" + field + "' is missing from " + value);
            }
        }
        Map<String, Schema<?>> properties = properties(api, schema);
        if (properties.isEmpty()) {
            return;
        }
        value.fieldNames().forEachRemaining(field -> {
            if (!properties.containsKey(field)) {
                problems.add(where + ": field '" + field + "' is not in the schema's properties "
                        + properties.keySet());
            }
        });
        Schema<?> items = properties.get("items") == null ? null : deref(api, properties.get("items")).getItems();
        if (items != null && value.path("items").isArray()) {
            value.get("items").forEach(item -> checkObject(api, where + " item", items, item, problems));
        }
    }

    @Test
    @DisplayName("GET /v1/openapi.json serves the document without credentials, with the running version")
    void servesTheDocument() throws IOException {
        ApiResponse response = anonymous.get("/v1/openapi.json");

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Content-Type")).hasValue("application/json");
        JsonNode served = response.json();
        ObjectNode expected = (ObjectNode) MAPPER.readTree(resourceText());
        ((ObjectNode) expected.get("info")).put("version", ServiceManager.version());
        assertThat(served).isEqualTo(expected);
        assertThat(served.at("/info/version").asText()).isEqualTo(ServiceManager.version())
                .isEqualTo(anonymous.get("/v1/info").json().get("version").asText());
    }

    @Test
    @DisplayName("GET /v1/openapi.json carries a strong ETag, and a matching If-None-Match gets 304 without a body")
    void isCacheable() {
        ApiResponse first = anonymous.get("/v1/openapi.json");
        String etag = first.header("ETag").orElseThrow();

        ApiResponse again = anonymous.withHeader("If-None-Match", etag).get("/v1/openapi.json");
        ApiResponse other = anonymous.withHeader("If-None-Match", "\"something-else\"").get("/v1/openapi.json");

        assertThat(etag).matches("\"[0-9a-f]{32}\"");
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(again.header("ETag")).hasValue(etag);
        assertThat(other.status()).isEqualTo(200);
        assertThat(other.header("ETag")).hasValue(etag);
    }

    @Test
    @DisplayName("The optional paths (built-in issuer, metrics) say that they are present only when configured")
    void optionalPathsSayWhenTheyArePresent() {
        Map<String, PathItem> paths = parse(false).getOpenAPI().getPaths();
        for (String path : List.of("/oauth/token", "/oauth/token_keys", "/oauth/.well-known/openid-configuration",
                "/metrics")) {
            Operation operation = paths.get(path).readOperationsMap().values().iterator().next();
            assertThat(operation.getDescription().toLowerCase(Locale.ROOT)).as(path).contains("present only when");
        }
    }
}
