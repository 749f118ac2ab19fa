package org.servicemanager.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.servicemanager.servlet.Container.Mount;
import org.servicemanager.api.InvalidBearerTokenException;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.security.VerifiedToken;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.security.TokenIssuer;
import org.servicemanager.storage.memory.MemoryStore;

/** The token issuer's routes and bearer tokens through the servlet adapter, at the root and mounted. */
@DisplayName("ServiceManagerServlet with a token issuer")
@ParameterizedClass(name = "in {0}")
@EnumSource(Container.class)
class ServiceManagerServletTokensTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** Declared so that JUnit passes it to the class-invocation methods below, too. */
    @Parameter
    Container container;

    private static ServiceManager sm;
    private static Container.Running server;

    /** Answers with the path and base path it saw; accepts the token "good" as an admin's. */
    private static final class EchoIssuer implements TokenIssuer {
        @Override
        public String pathPrefix() {
            return "/oauth";
        }

        @Override
        public void start(Context context) {
        }

        @Override
        public SmResponse handle(SmRequest request) {
            return SmResponse.builder(200).header("Content-Type", "text/plain")
                    .body((request.basePath() + "|" + request.path()).getBytes(StandardCharsets.UTF_8)).build();
        }

        @Override
        public VerifiedToken verify(String token) {
            if (token.equals("good")) {
                return new VerifiedToken("s", "token-user", "cf", Role.ADMIN, Instant.parse("2100-01-01T00:00:00Z"));
            }
            throw new InvalidBearerTokenException("the token is malformed");
        }

        @Override
        public String issuerUrl() {
            return "http://127.0.0.1/oauth";
        }
    }

    @BeforeParameterizedClassInvocation
    static void start(Container container) throws Exception {
        sm = ServiceManager.builder().store(new MemoryStore()).tokenIssuer(new EchoIssuer()).build();
        server = container.start(16, Mount.of("/", "/*", new ServiceManagerServlet(sm)),
                Mount.of("/sm", "/api/*", new ServiceManagerServlet(sm)));
    }

    @AfterParameterizedClassInvocation
    static void stop() throws Exception {
        server.close();
        sm.close();
        sm.store().close();
    }

    private static HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @DisplayName("the issuer's paths reach the issuer without credentials, at the root and under a mount point")
    void issuerPaths() throws Exception {
        assertThat(get("/oauth/.well-known/openid-configuration", null).body())
                .isEqualTo("|/oauth/.well-known/openid-configuration");
        assertThat(get("/sm/api/oauth/token_keys", null).body()).isEqualTo("/sm/api|/oauth/token_keys");
    }

    @Test
    @DisplayName("without credentials the 401 carries both challenges; a valid token is accepted")
    void challengesAndToken() throws Exception {
        HttpResponse<String> missing = get("/v1/platforms", null);

        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().allValues("WWW-Authenticate"))
                .containsExactly("Basic realm=\"service-manager\"", "Bearer realm=\"service-manager\"");
        assertThat(get("/v1/platforms", "Bearer good").statusCode()).isEqualTo(200);
        assertThat(get("/v1/platforms", "Bearer bad").headers().firstValue("WWW-Authenticate"))
                .hasValue("Bearer realm=\"service-manager\", error=\"invalid_token\", "
                        + "error_description=\"the token is malformed\"");
    }
}
