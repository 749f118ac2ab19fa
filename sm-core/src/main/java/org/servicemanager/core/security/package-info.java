/**
 * The token-issuer SPI: an OAuth 2.0 authorization server served by the Service Manager itself
 * (for example {@code org.servicemanager.oauth.BuiltInIssuer}), so that {@code smctl login} works
 * without an external identity provider.
 */
package org.servicemanager.core.security;
