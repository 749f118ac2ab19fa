/**
 * OAuth 2.0 bearer tokens for the Service Manager, on nimbus-jose-jwt: {@code OidcBearerVerifier}
 * checks tokens of an external OpenID Connect issuer, {@code BuiltInIssuer} issues and checks the
 * Service Manager's own (for {@code smctl login}). Give either to the {@code ServiceManager}
 * builder; without this module the Service Manager knows HTTP Basic only.
 */
package org.servicemanager.oauth;
