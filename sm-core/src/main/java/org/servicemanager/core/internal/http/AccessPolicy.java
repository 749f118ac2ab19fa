package org.servicemanager.core.internal.http;

import org.servicemanager.api.ForbiddenException;
import org.servicemanager.api.UnauthorizedException;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.internal.security.Authenticator;
import org.servicemanager.core.internal.security.Principal;

/**
 * Which principal may call a route of which {@link Access}: the one place that turns a request's
 * credentials into a caller allowed on the route, or into 401/403. Thread-safe.
 */
public final class AccessPolicy {
    private static final Principal.Admin ANONYMOUS_ADMIN = new Principal.Admin("anonymous");

    private final Authenticator authenticator;
    private final boolean authenticationDisabled;

    /**
     * @param authenticationDisabled callers without credentials are administrators (local
     *                               experiments); the OSB face still needs a platform
     */
    public AccessPolicy(Authenticator authenticator, boolean authenticationDisabled) {
        this.authenticator = authenticator;
        this.authenticationDisabled = authenticationDisabled;
    }

    /**
     * The caller of {@code request}, allowed on a route of {@code access}.
     *
     * @throws UnauthorizedException without valid credentials where they are needed
     * @throws ForbiddenException    for a caller of the wrong kind
     */
    public Principal authorize(Access access, SmRequest request) {
        if (access == Access.PUBLIC || access == Access.PUBLIC_IDENTIFIED) {
            return identifyPublic(access, request);
        }
        Principal principal = authenticator.authenticate(request);
        if (principal instanceof Principal.Anonymous) {
            if (authenticationDisabled && access != Access.PLATFORM) {
                return ANONYMOUS_ADMIN;
            }
            throw new UnauthorizedException("this request needs credentials (HTTP Basic)");
        }
        if (!allows(access, principal)) {
            throw new ForbiddenException(principal instanceof Principal.PlatformCaller
                    ? "platforms may not " + request.method() + " " + request.path()
                    : "this endpoint is for platforms; administrator credentials are not platform credentials");
        }
        return principal;
    }

    private Principal identifyPublic(Access access, SmRequest request) {
        if (authenticationDisabled) {
            return ANONYMOUS_ADMIN;
        }
        // Public answers must come even when credentials cannot be checked (say, the store is
        // down); only routes that show more to known callers look at credentials at all.
        if (access == Access.PUBLIC || request.header("Authorization").isEmpty()) {
            return Principal.ANONYMOUS;
        }
        try {
            return authenticator.authenticate(request);
        } catch (RuntimeException e) {
            return Principal.ANONYMOUS;
        }
    }

    private static boolean allows(Access access, Principal principal) {
        return switch (access) {
            case ADMIN -> principal instanceof Principal.Admin;
            case PLATFORM -> principal instanceof Principal.PlatformCaller;
            case ADMIN_OR_PLATFORM, PUBLIC, PUBLIC_IDENTIFIED -> true;
        };
    }
}
