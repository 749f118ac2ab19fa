package org.servicemanager.api.security;

import org.servicemanager.api.InvalidBearerTokenException;

/**
 * Checks an OAuth 2.0 bearer access token (RFC 6750) presented in {@code Authorization: Bearer}.
 * Implementations must be thread-safe and fast: every API call with a token passes here.
 */
public interface BearerTokenVerifier {

    /**
     * The holder of a valid token.
     *
     * @param token the compact token as sent, without the {@code Bearer } prefix
     * @throws InvalidBearerTokenException when the token is malformed, badly signed, expired, not yet
     *     valid, or for another issuer or audience; the message says which, never the token
     */
    VerifiedToken verify(String token);

    /**
     * The issuer clients get tokens from, without a trailing slash: {@code GET /v1/info} returns it
     * as {@code token_issuer_url}, and clients read {@code <it>/.well-known/openid-configuration}.
     */
    String issuerUrl();

    /**
     * Whether clients should authenticate to the token endpoint with a Basic header (RFC 6749
     * 2.3.1) rather than form fields: {@code token_basic_auth} of {@code GET /v1/info}.
     */
    default boolean tokenBasicAuth() {
        return true;
    }

    /**
     * The scope a token needs for {@code role}, for 403 messages and RFC 6750's
     * {@code insufficient_scope} challenge; verifiers with another scope prefix override it.
     */
    default String scope(Role role) {
        return role == Role.ADMIN ? "service_manager.admin" : "service_manager.read";
    }
}
