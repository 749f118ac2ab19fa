package org.servicemanager.spring;

import java.util.List;
import org.servicemanager.api.security.BearerTokenVerifier;
import org.servicemanager.oauth.OidcBearerVerifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Accepts bearer tokens of the OpenID Connect issuer at {@code servicemanager.oidc.issuer-url},
 * when {@code sm-oauth} is on the classpath. The application's own {@link BearerTokenVerifier}
 * bean takes its place. A blank issuer URL (say {@code issuer-url=${OIDC_ISSUER_URL:}} with the
 * variable unset) counts as unset, as it does for the Service Manager bean. Spring calls it on one
 * thread; the verifier is thread-safe.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "org.servicemanager.oauth.OidcBearerVerifier")
@Conditional(OidcConfiguration.IssuerUrlSet.class)
final class OidcConfiguration {
    static final String ISSUER_URL = "servicemanager.oidc.issuer-url";

    /**
     * Matches when {@value #ISSUER_URL} is set and not blank: {@code @ConditionalOnProperty} matches an
     * empty value, and the start would then fail on an issuer URL nobody meant to give.
     */
    static final class IssuerUrlSet extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            String url = context.getEnvironment().getProperty(ISSUER_URL);
            return url == null || url.isBlank()
                    ? ConditionOutcome.noMatch(ISSUER_URL + " is not set or blank")
                    : ConditionOutcome.match(ISSUER_URL + " is set");
        }
    }

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
