package org.servicemanager.api;

/**
 * A bearer token was presented but is not acceptable (HTTP 401 with {@code WWW-Authenticate: Bearer
 * error="invalid_token"}, RFC 6750 3.1). The message says why (expired, unknown key, wrong
 * audience...) and never contains the token.
 */
public class InvalidBearerTokenException extends UnauthorizedException {
    private static final long serialVersionUID = 1L;

    public InvalidBearerTokenException(String message) {
        super(message);
    }

    public InvalidBearerTokenException(String message, Throwable cause) {
        super(message, cause);
    }
}
