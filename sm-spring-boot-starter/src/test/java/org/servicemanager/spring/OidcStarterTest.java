package org.servicemanager.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@DisplayName("servicemanager.oidc.*: bearer tokens of an OpenID Connect issuer, over real HTTP")
@SpringBootTest(classes = HostApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "spring.autoconfigure.exclude=org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
                "servicemanager.oidc.audience=service-manager"})
class OidcStarterTest {
    private static final FakeOidcIssuer ISSUER = FakeOidcIssuer.start();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void issuer(DynamicPropertyRegistry registry) {
        registry.add("servicemanager.oidc.issuer-url", ISSUER::url);
    }

    @AfterAll
    static void stopIssuer() {
        ISSUER.close();
    }

    private ApiClient client() {
        return new ApiClient("http://127.0.0.1:" + port + "/sm");
    }

    @Test
    @DisplayName("a token of the issuer with the admin scope gets in, with no user configured at all")
    void adminToken() {
        ApiResponse response = client().withAuthorization("Bearer "
                + ISSUER.token("service-manager", "service_manager.admin")).get("/v1/service_brokers");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    @Test
    @DisplayName("a token signed with a key the issuer does not publish is 401")
    void forgedToken() {
        assertThat(client().withAuthorization("Bearer " + ISSUER.forgedToken("service-manager",
                "service_manager.admin")).get("/v1/service_brokers").status()).isEqualTo(401);
    }

    @Test
    @DisplayName("a token for another audience is 401")
    void otherAudience() {
        assertThat(client().withAuthorization("Bearer " + ISSUER.token("someone-else", "service_manager.admin"))
                .get("/v1/service_brokers").status()).isEqualTo(401);
    }

    @Test
    @DisplayName("GET /v1/info names the issuer for clients such as smctl")
    void infoNamesTheIssuer() {
        assertThat(client().get("/v1/info").text("token_issuer_url")).isEqualTo(ISSUER.url());
    }
}
