package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.security.Role;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.http.ApiResponse;

/**
 * The audit log (logger {@code org.servicemanager.audit}, INFO, enabled in this module's
 * simplelogger.properties), read from what slf4j-simple writes to standard error while each test
 * runs. Secrets are recognisable strings put into bodies, Basic passwords and query strings.
 */
@DisplayName("the audit log")
class AuditLogApiTest extends ApiTestBase {
    private static final String BODY_SECRET = "Body-Secret-4711";
    private static final String GUESSED_PASSWORD = "Basic-Guess-4712";
    private LogCapture log;

    @Override
    void configure(ServiceManager.Builder builder) {
        builder.user(RolesApiTest.READER, RolesApiTest.READER_PASSWORD, Role.READ_ONLY).bearerTokens(new TestTokens());
    }

    @BeforeEach
    void capture() {
        log = LogCapture.start();
    }

    @AfterEach
    void restore() {
        log.close();
    }

    private String logs() {
        return log.text();
    }

    /** The audit lines that carry {@code correlationId}. */
    private List<String> audit(String correlationId) {
        return logs().lines().filter(line -> line.contains(" audit event=")
                && line.contains(" correlation_id=" + correlationId + " ")).toList();
    }

    @Test
    @DisplayName("a mutating call gives one INFO line with who, what, outcome, correlation id and source, and no body secret")
    void mutatingCall() {
        String correlation = unique("audit");
        ApiResponse response = admin.withHeader("X-Correlation-ID", correlation).post("/v1/service_brokers",
                json("name", unique("b"), "broker_url", "http://127.0.0.1:1",
                        "credentials", map("basic", map("username", "broker-user", "password", BODY_SECRET))));

        List<String> lines = audit(correlation);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("INFO org.servicemanager.audit - audit event=call principal=operator:admin role=admin via=basic "
                + "method=POST path=/v1/service_brokers resource_type=service_brokers resource_id=- status="
                + response.status() + " correlation_id=" + correlation + " source=127.0.0.1");
        assertThat(logs()).doesNotContain(BODY_SECRET).doesNotContain(SmServer.ADMIN_PASSWORD);
    }

    @Test
    @DisplayName("a wrong Basic password gives an auth_failure line with the claimed user, never the password")
    void authenticationFailure() {
        String correlation = unique("audit");
        ApiResponse response = anonymous.withCredentials(SmServer.ADMIN_USER, GUESSED_PASSWORD)
                .withHeader("X-Correlation-ID", correlation).get("/v1/platforms");

        assertThat(response.status()).isEqualTo(401);
        List<String> lines = audit(correlation);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("audit event=auth_failure principal=- claimed_user=admin method=GET "
                + "path=/v1/platforms resource_type=- resource_id=- status=401 correlation_id=" + correlation
                + " source=127.0.0.1");
        assertThat(logs()).doesNotContain(GUESSED_PASSWORD);
    }

    @Test
    @DisplayName("a read-only user's forbidden DELETE is a forbidden line naming the user and role")
    void forbiddenDelete() {
        String correlation = unique("audit");
        ApiResponse response = anonymous.withCredentials(RolesApiTest.READER, RolesApiTest.READER_PASSWORD)
                .withHeader("X-Correlation-ID", correlation).delete("/v1/platforms/some-platform");

        assertThat(response.status()).isEqualTo(403);
        List<String> lines = audit(correlation);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("audit event=forbidden principal=operator:reader role=read-only via=basic "
                + "method=DELETE path=/v1/platforms/some-platform resource_type=platforms resource_id=some-platform status=403 "
                + "correlation_id=" + correlation + " source=127.0.0.1");
        assertThat(logs()).doesNotContain(RolesApiTest.READER_PASSWORD);
    }

    @Test
    @DisplayName("a forbidden GET is audited too, and a token's subject stands beside its name")
    void forbiddenRead() {
        String correlation = unique("audit");
        ApiResponse response = anonymous.withAuthorization("Bearer " + TestTokens.NO_ROLE)
                .withHeader("X-Correlation-ID", correlation).get("/v1/platforms");

        assertThat(response.status()).isEqualTo(403);
        List<String> lines = audit(correlation);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("audit event=forbidden principal=operator:token-none role=none via=bearer "
                + "sub=sub-none method=GET path=/v1/platforms ");
        assertThat(logs()).doesNotContain(TestTokens.NO_ROLE);
    }

    @Test
    @DisplayName("a platform refused on an operator route is a forbidden line naming the platform")
    void forbiddenPlatform() {
        ApiResponse platform = admin.post("/v1/platforms", json("name", unique("p"), "type", "cloudfoundry"));
        String platformId = platform.json().get("id").asText();
        String correlation = unique("audit");

        ApiResponse response = anonymous.withCredentials(platform.json().at("/credentials/basic/username").asText(),
                platform.json().at("/credentials/basic/password").asText())
                .withHeader("X-Correlation-ID", correlation).post("/v1/platforms", "{}");

        assertThat(response.status()).isEqualTo(403);
        assertThat(audit(correlation)).singleElement().asString()
                .contains("audit event=forbidden principal=platform:" + platformId + " method=POST");
    }

    @Test
    @DisplayName("reading calls are not audited")
    void readsAreNotAudited() {
        String correlation = unique("audit");
        assertThat(admin.withHeader("X-Correlation-ID", correlation).get("/v1/platforms").status()).isEqualTo(200);

        assertThat(audit(correlation)).isEmpty();
    }

    @Test
    @DisplayName("a delete names the resource id, and the query string (which may hold a secret) is left out")
    void deleteWithoutQuery() {
        String correlation = unique("audit");
        ApiResponse response = admin.withHeader("X-Correlation-ID", correlation)
                .delete("/v1/platforms/no-such-platform?token=Query-Secret-4713");

        List<String> lines = audit(correlation);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("principal=operator:admin role=admin via=basic method=DELETE path=/v1/platforms/no-such-platform "
                + "resource_type=platforms resource_id=no-such-platform status=" + response.status());
        assertThat(logs()).doesNotContain("Query-Secret-4713");
    }

    @Test
    @DisplayName("a call on the OSB face names the platform as the principal and the OSB resource")
    void osbCall() {
        ApiResponse platform = admin.post("/v1/platforms", json("name", unique("p"), "type", "cloudfoundry"));
        assertThat(platform.status()).isEqualTo(201);
        String platformId = platform.json().get("id").asText();
        String username = platform.json().at("/credentials/basic/username").asText();
        String password = platform.json().at("/credentials/basic/password").asText();
        String correlation = unique("audit");

        ApiResponse response = anonymous.withCredentials(username, password).withHeader("X-Correlation-ID", correlation)
                .withHeader("X-Broker-API-Version", "2.16")
                .put("/v1/osb/no-such-broker/v2/service_instances/instance-1",
                        json("service_id", "s", "plan_id", "p", "parameters", map("password", BODY_SECRET)));

        List<String> lines = audit(correlation);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("event=call principal=platform:" + platformId + " method=PUT "
                + "path=/v1/osb/no-such-broker/v2/service_instances/instance-1 resource_type=service_instances "
                + "resource_id=instance-1 status=" + response.status());
        assertThat(logs()).doesNotContain(BODY_SECRET).doesNotContain(password);
    }

    @Test
    @DisplayName("a notification stream refused for wrong credentials is an auth_failure line too")
    void notificationStream() {
        String correlation = unique("audit");
        String basic = java.util.Base64.getEncoder().encodeToString(("some-platform:" + GUESSED_PASSWORD)
                .getBytes(StandardCharsets.UTF_8));

        server.sm().openNotificationStream(org.servicemanager.core.SmRequest.builder("GET", "/v1/notifications")
                .header("Authorization", "Basic " + basic).header("X-Correlation-ID", correlation)
                .remoteAddress("192.0.2.9").build());

        List<String> lines = audit(correlation);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("event=auth_failure principal=- claimed_user=some-platform method=GET "
                + "path=/v1/notifications resource_type=- resource_id=- status=401 correlation_id=" + correlation
                + " source=192.0.2.9");
        assertThat(logs()).doesNotContain(GUESSED_PASSWORD);
    }

    @Test
    @DisplayName("a notification stream refused to an operator (403) is a forbidden line naming the operator")
    void notificationStreamForbidden() {
        String correlation = unique("audit");
        String basic = java.util.Base64.getEncoder().encodeToString((SmServer.ADMIN_USER + ":" + SmServer.ADMIN_PASSWORD)
                .getBytes(StandardCharsets.UTF_8));

        server.sm().openNotificationStream(org.servicemanager.core.SmRequest.builder("GET", "/v1/notifications")
                .header("Authorization", "Basic " + basic).header("X-Correlation-ID", correlation)
                .remoteAddress("192.0.2.9").build());

        assertThat(audit(correlation)).singleElement().asString().contains("event=forbidden "
                + "principal=operator:admin role=admin via=basic method=GET path=/v1/notifications ");
    }

    @Test
    @DisplayName("a value the client chose cannot forge another field or line")
    void forgedValues() {
        String correlation = unique("audit");
        anonymous.withCredentials("evil status=200 principal=admin", GUESSED_PASSWORD)
                .withHeader("X-Correlation-ID", correlation).post("/v1/platforms", "{}");

        List<String> lines = audit(correlation);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains(" claimed_user=evil?status?200?principal?admin method=")
                .contains(" status=401 ");
    }
}
