package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.servicemanager.api.security.Role;
import org.servicemanager.core.RouteTable;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * Roles on every resource: the route table itself is walked, so a route added later is covered
 * without editing this test. Bearer tokens come from {@link TestTokens}.
 */
@DisplayName("roles of operators (Basic users and bearer tokens)")
class RolesApiTest extends ApiTestBase {
    static final String READER = "reader";
    static final String READER_PASSWORD = "reader-secret";
    private static final String NEEDS_ADMIN = "this call needs the role admin; the caller has the role read-only";

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.user(READER, READER_PASSWORD, Role.READ_ONLY).bearerTokens(new TestTokens());
    }

    private ApiClient reader() {
        return anonymous.withCredentials(READER, READER_PASSWORD);
    }

    private ApiClient token(String token) {
        return anonymous.withAuthorization("Bearer " + token);
    }

    private List<RouteTable.Entry> routes(Predicate<String> access) {
        List<RouteTable.Entry> routes = RouteTable.of(server.sm()).stream().filter(r -> access.test(r.access()))
                .toList();
        assertThat(routes).isNotEmpty();
        return routes;
    }

    private static boolean operatorRoute(String access) {
        return access.equals("ADMIN") || access.equals("ADMIN_OR_PLATFORM") || adminRoleOnly(access);
    }

    /** Routes whose answer may hold secrets: the role admin even to read. */
    private static boolean adminRoleOnly(String access) {
        return access.equals("ADMIN_ROLE");
    }

    /** The route's path with every placeholder filled. */
    private static String path(RouteTable.Entry route) {
        return route.pattern().replaceAll("\\{[^}]+}", "x");
    }

    private static ApiResponse call(ApiClient client, String method, String path) {
        return client.raw(method, path, "application/json",
                method.equals("GET") ? null : "{}".getBytes(StandardCharsets.UTF_8));
    }

    private Stream<DynamicTest> eachOperatorRoute(String who, ApiClient client) {
        return routes(RolesApiTest::operatorRoute).stream().map(route -> DynamicTest.dynamicTest(
                who + ": " + route.method() + " " + route.pattern(), () -> {
                    ApiResponse response = call(client, route.method(), path(route));
                    if (route.method().equals("GET") && !adminRoleOnly(route.access())) {
                        assertThat(response.status()).as(response.body()).isNotIn(401, 403);
                        ApiResponse head = call(client, "HEAD", path(route));
                        assertThat(head.status()).isNotIn(401, 403);
                    } else {
                        assertError(response, 403, "Forbidden");
                        assertThat(description(response)).isEqualTo(NEEDS_ADMIN);
                    }
                }));
    }

    @TestFactory
    @DisplayName("a read-only Basic user may GET every operator route but those that may show secrets, and gets 403 naming the role otherwise")
    Stream<DynamicTest> readOnlyBasicUser() {
        return eachOperatorRoute("read-only Basic", reader());
    }

    @TestFactory
    @DisplayName("a read-only token may GET every operator route but those that may show secrets, and gets 403 naming the role otherwise")
    Stream<DynamicTest> readOnlyToken() {
        return eachOperatorRoute("read-only token", token(TestTokens.READER));
    }

    @TestFactory
    @DisplayName("an admin token and an admin Basic user are allowed on every operator route")
    Stream<DynamicTest> adminEverywhere() {
        return Stream.of(admin, token(TestTokens.ADMIN)).flatMap(client -> routes(RolesApiTest::operatorRoute)
                .stream().map(route -> DynamicTest.dynamicTest(route.method() + " " + route.pattern() + " as "
                        + client, () -> {
                    // Placeholders name nothing, and a bulk call gets a query that matches nothing.
                    String path = path(route) + (route.method().equals("GET") || route.pattern().contains("{")
                            ? "" : "?fieldQuery=" + q("id eq 'none'"));
                    ApiResponse response = call(client, route.method(), path);
                    assertThat(response.status()).as(response.body()).isNotIn(401, 403);
                })));
    }

    @TestFactory
    @DisplayName("a valid token without a Service Manager scope gets 403 on every operator route, GET included")
    Stream<DynamicTest> tokenWithoutRole() {
        ApiClient client = token(TestTokens.NO_ROLE);
        return routes(RolesApiTest::operatorRoute).stream().map(route -> DynamicTest.dynamicTest(
                route.method() + " " + route.pattern(), () -> {
                    ApiResponse response = call(client, route.method(), path(route));
                    assertError(response, 403, "Forbidden");
                    boolean read = route.method().equals("GET") && !adminRoleOnly(route.access());
                    assertThat(description(response)).isEqualTo("this call needs the role "
                            + (read ? "read-only" : "admin") + "; the token grants no "
                            + "Service Manager role (scope service_manager.admin or service_manager.read)");
                    assertThat(response.headers().get("www-authenticate")).containsExactly("Bearer realm="
                            + "\"service-manager\", error=\"insufficient_scope\", scope=\"service_manager."
                            + (read ? "read" : "admin") + "\"");
                }));
    }

    @TestFactory
    @DisplayName("operators, whatever their role, get 403 on the platforms' routes")
    Stream<DynamicTest> platformRoutesRefuseOperators() {
        return routes(access -> access.equals("PLATFORM")).stream().flatMap(route -> Stream.of(
                DynamicTest.dynamicTest("admin token: " + route.method() + " " + route.pattern(), () ->
                        assertError(call(token(TestTokens.ADMIN), route.method(), path(route)), 403, "Forbidden")),
                DynamicTest.dynamicTest("read-only user: " + route.method() + " " + route.pattern(), () ->
                        assertError(call(reader(), route.method(), path(route)), 403, "Forbidden"))));
    }

    @Test
    @DisplayName("the broker's view of parameters (instances and bindings) is for the role admin only")
    void parametersAdminOnly() {
        List<RouteTable.Entry> secretReads = routes(RolesApiTest::adminRoleOnly);

        assertThat(secretReads).extracting(RouteTable.Entry::pattern).containsExactlyInAnyOrder(
                "/v1/service_instances/{id}/parameters", "/v1/service_bindings/{id}/parameters");
        ApiResponse byToken = token(TestTokens.READER).get("/v1/service_bindings/x/parameters");
        assertError(byToken, 403, "Forbidden");
        assertThat(description(byToken)).isEqualTo(NEEDS_ADMIN);
        assertThat(byToken.headers().get("www-authenticate")).containsExactly("Bearer realm=\"service-manager\", "
                + "error=\"insufficient_scope\", scope=\"service_manager.admin\"");
    }

    @Test
    @DisplayName("a read-only token's 403 carries the insufficient_scope challenge; a Basic user's 403 none")
    void insufficientScopeChallenge() {
        ApiResponse byToken = token(TestTokens.READER).post("/v1/platforms", "{}");
        ApiResponse byBasic = reader().post("/v1/platforms", "{}");

        assertThat(byToken.headers().get("www-authenticate")).containsExactly("Bearer realm=\"service-manager\", "
                + "error=\"insufficient_scope\", scope=\"service_manager.admin\"");
        assertThat(byBasic.status()).isEqualTo(403);
        assertThat(byBasic.header("WWW-Authenticate")).isEmpty();
    }

    @Test
    @DisplayName("platform rules are unchanged: a platform reads the catalog resources and may not write operator resources")
    void platformRulesUnchanged() {
        ApiClient platform = platformClient(createPlatform());

        assertThat(platform.get("/v1/service_plans").status()).isEqualTo(200);
        ApiResponse write = platform.post("/v1/platforms", json("name", unique("p"), "type", "cf"));
        assertError(write, 403, "Forbidden");
        assertThat(description(write)).isEqualTo("platforms may not POST /v1/platforms");
    }

    @Test
    @DisplayName("a token the verifier rejects is 401 with a Bearer invalid_token challenge carrying the reason")
    void invalidToken() {
        ApiResponse response = token(TestTokens.EXPIRED).get("/v1/platforms");

        assertError(response, 401, "Unauthorized");
        assertThat(description(response)).isEqualTo("the token has expired");
        assertThat(response.headers().get("www-authenticate")).containsExactly("Bearer realm=\"service-manager\", "
                + "error=\"invalid_token\", error_description=\"the token has expired\"");
        assertThat(response.body()).doesNotContain(TestTokens.EXPIRED);
    }

    @Test
    @DisplayName("an empty bearer token is 401 with an invalid_token challenge")
    void emptyToken() {
        ApiResponse response = anonymous.withAuthorization("Bearer").get("/v1/platforms");

        assertError(response, 401, "Unauthorized");
        assertThat(response.header("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("Bearer realm=\"service-manager\", error=\"invalid_token\""));
    }

    @Test
    @DisplayName("without credentials the 401 challenges both Basic and Bearer, in two header lines")
    void missingCredentials() {
        ApiResponse response = anonymous.get("/v1/platforms");

        assertError(response, 401, "Unauthorized");
        assertThat(description(response)).isEqualTo("this request needs credentials (HTTP Basic or a Bearer token)");
        assertThat(response.headers().get("www-authenticate"))
                .containsExactly("Basic realm=\"service-manager\"", "Bearer realm=\"service-manager\"");
    }

    @Test
    @DisplayName("a wrong Basic password still gets the Basic challenge only")
    void wrongBasicPassword() {
        ApiResponse response = anonymous.withCredentials(READER, "wrong").get("/v1/platforms");

        assertError(response, 401, "Unauthorized");
        assertThat(response.headers().get("www-authenticate")).containsExactly("Basic realm=\"service-manager\"");
    }

    @Test
    @DisplayName("an unsupported scheme is 401 naming Basic and Bearer")
    void unsupportedScheme() {
        ApiResponse response = anonymous.withAuthorization("Digest abc").get("/v1/platforms");

        assertError(response, 401, "Unauthorized");
        assertThat(description(response)).isEqualTo("the authentication scheme is not supported; use Basic or Bearer");
    }

    @Test
    @DisplayName("GET /v1/info names the token issuer and the token client authentication style, whatever the query")
    void info() {
        for (String path : List.of("/v1/info", "/v1/info?grant_type=client_credentials")) {
            ApiResponse response = anonymous.get(path);

            assertThat(response.status()).as(response.body()).isEqualTo(200);
            JsonNode body = response.json();
            assertThat(body.get("token_issuer_url").asText()).isEqualTo(TestTokens.ISSUER);
            assertThat(body.get("token_basic_auth").asBoolean()).isFalse();
        }
    }

    @Test
    @DisplayName("health shows its details to a read-only operator too")
    void healthDetailsForReaders() {
        assertThat(token(TestTokens.READER).get("/v1/monitor/health").json().has("details")).isTrue();
        assertThat(reader().get("/v1/monitor/health").json().has("details")).isTrue();
        assertThat(token(TestTokens.NO_ROLE).get("/v1/monitor/health").json().has("details")).isFalse();
    }
}
