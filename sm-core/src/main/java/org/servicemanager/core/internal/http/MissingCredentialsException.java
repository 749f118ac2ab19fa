package org.servicemanager.core.internal.http;

import org.servicemanager.api.UnauthorizedException;

/**
 * A route needs credentials and none were given: 401 with a challenge for every scheme the Service
 * Manager accepts (Basic, and Bearer when tokens are accepted), RFC 9110 11.6.1.
 */
final class MissingCredentialsException extends UnauthorizedException {
    private static final long serialVersionUID = 1L;
    private final boolean bearerAccepted;

    MissingCredentialsException(boolean bearerAccepted) {
        super(bearerAccepted ? "this request needs credentials (HTTP Basic or a Bearer token)"
                : "this request needs credentials (HTTP Basic)");
        this.bearerAccepted = bearerAccepted;
    }

    boolean bearerAccepted() {
        return bearerAccepted;
    }
}
