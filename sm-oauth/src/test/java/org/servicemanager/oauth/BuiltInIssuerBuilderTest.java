package org.servicemanager.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.security.Role;
import org.servicemanager.core.SmRequest;

@DisplayName("The built-in issuer's builder")
class BuiltInIssuerBuilderTest {

    @Test
    @DisplayName("defaults: path prefix /oauth, Basic client authentication advertised")
    void defaults() {
        BuiltInIssuer issuer = BuiltInIssuer.builder().issuerUrl("http://127.0.0.1:8080/oauth").build();

        assertThat(issuer.pathPrefix()).isEqualTo("/oauth");
        assertThat(issuer.issuerUrl()).isEqualTo("http://127.0.0.1:8080/oauth");
        assertThat(issuer.tokenBasicAuth()).isTrue();
        assertThat(BuiltInIssuer.builder().issuerUrl("http://h/oauth").tokenBasicAuth(false).build().tokenBasicAuth())
                .isFalse();
    }

    @Test
    @DisplayName("the issuer URL is required, http(s), without trailing slash, and must end with the path prefix")
    void issuerUrl() {
        assertThatThrownBy(() -> BuiltInIssuer.builder().build()).hasMessageContaining("issuerUrl is required");
        assertThatThrownBy(() -> BuiltInIssuer.builder().issuerUrl("ftp://h/oauth"))
                .hasMessageContaining("http(s) URL").hasMessageContaining("ftp://h/oauth");
        assertThatThrownBy(() -> BuiltInIssuer.builder().issuerUrl("https://h/oauth/"))
                .hasMessageContaining("must not end with '/'");
        assertThatThrownBy(() -> BuiltInIssuer.builder().issuerUrl("https://h/other").build())
                .hasMessageContaining("/oauth").hasMessageContaining("https://h/other");
        assertThat(BuiltInIssuer.builder().issuerUrl("https://h/sm/auth").pathPrefix("/auth").build().pathPrefix())
                .isEqualTo("/auth");
    }

    @Test
    @DisplayName("bad values are refused, naming them")
    void badValues() {
        assertThatThrownBy(() -> BuiltInIssuer.builder().algorithm("HS256")).hasMessageContaining("HS256");
        assertThatThrownBy(() -> BuiltInIssuer.builder().pathPrefix("oauth/")).hasMessageContaining("oauth/");
        assertThatThrownBy(() -> BuiltInIssuer.builder().accessTokenLifetime(Duration.ZERO))
                .hasMessageContaining("accessTokenLifetime");
        assertThatThrownBy(() -> BuiltInIssuer.builder().refreshTokenLifetime(Duration.ofSeconds(-1)))
                .hasMessageContaining("refreshTokenLifetime");
        assertThatThrownBy(() -> BuiltInIssuer.builder().audience(" ")).hasMessageContaining("audience");
        assertThatThrownBy(() -> BuiltInIssuer.builder().scopePrefix("a b")).hasMessageContaining("a b");
    }

    @Test
    @DisplayName("clients need a non-empty secret, a unique id, and may not be called cf")
    void clients() {
        assertThatThrownBy(() -> BuiltInIssuer.builder().client("cf", "s", Role.ADMIN)).hasMessageContaining("cf");
        assertThatThrownBy(() -> BuiltInIssuer.builder().client("x", "", Role.ADMIN)).hasMessageContaining("x");
        assertThatThrownBy(() -> BuiltInIssuer.builder().client("x", "s", Role.ADMIN).client("x", "t", Role.ADMIN))
                .hasMessageContaining("twice");
    }

    @Test
    @DisplayName("scope(role) names the configured prefix's scopes")
    void scopeOfRole() {
        BuiltInIssuer issuer = BuiltInIssuer.builder().issuerUrl("https://h/oauth").scopePrefix("sm").build();
        assertThat(issuer.scope(Role.ADMIN)).isEqualTo("sm.admin");
        assertThat(issuer.scope(Role.READ_ONLY)).isEqualTo("sm.read");
    }

    @Test
    @DisplayName("an issuer that was not started says so")
    void notStarted() {
        BuiltInIssuer issuer = BuiltInIssuer.builder().issuerUrl("http://h/oauth").build();

        assertThatThrownBy(() -> issuer.handle(SmRequest.builder("GET", "/oauth/token_keys").build()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not started");
    }
}
