package org.servicemanager.spring;

import java.util.List;
import org.servicemanager.api.security.BearerTokenVerifier;
import org.servicemanager.oauth.OidcBearerVerifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Accepts bearer tokens of the OpenID Connect issuer at {@code servicemanager.oidc.issuer-url},
 * when {@code sm-oauth} is on the classpath. The application's own {@link BearerTokenVerifier}
 * bean takes its place. Spring calls it on one thread; the verifier is thread-safe.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "org.servicemanager.oauth.OidcBearerVerifier")
@ConditionalOnProperty(prefix = "servicemanager.oidc", name = "issuer-url")
final class OidcConfiguration {
    /**
     * Reads the issuer's discovery document and keys now, so a wrong or unreachable issuer stops the
     * start rather than the first login.
     */
    @Bean
    @ConditionalOnMissingBean
    BearerTokenVerifier serviceManagerBearerTokens(ServiceManagerProperties properties) {
        ServiceManagerProperties.Oidc oidc = properties.getOidc();
        List<String> audience = oidc.getAudience();
        if (audience == null || audience.isEmpty()) {
            throw new ServiceManagerPropertiesException("servicemanager.oidc.audience is required with "
                    + "servicemanager.oidc.issuer-url: the aud value tokens carry for the Service Manager");
        }
        try {
            OidcBearerVerifier.Builder builder = OidcBearerVerifier.builder()
                    .issuer(oidc.getIssuerUrl().strip())
                    .audience(audience.toArray(String[]::new));
            if (oidc.getScopePrefix() != null) {
                builder.scopePrefix(oidc.getScopePrefix());
            }
            return builder.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ServiceManagerPropertiesException("servicemanager.oidc: " + e.getMessage());
        }
    }
}
