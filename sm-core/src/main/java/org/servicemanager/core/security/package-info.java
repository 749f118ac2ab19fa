/**
 * The token-issuer SPI: an OAuth 2.0 authorization server served by the Service Manager itself
 * (for example {@code org.servicemanager.oauth.BuiltInIssuer}), so that {@code smctl login} works
 * without an external identity provider; and what such an issuer shares with the Service Manager:
 * the parser of Basic credentials ({@link org.servicemanager.core.security.BasicCredentials}) and
 * client-secret hashes.
 */
package org.servicemanager.core.security;
