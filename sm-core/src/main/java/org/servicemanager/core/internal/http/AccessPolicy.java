package org.servicemanager.core.internal.http;

import java.util.function.Consumer;
import org.servicemanager.api.ForbiddenException;
import org.servicemanager.api.UnauthorizedException;
import org.servicemanager.api.security.Role;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.internal.security.Authenticator;
import org.servicemanager.core.internal.security.Principal;

/**
 * Which principal may call a route of which {@link Access}: the one place that turns a request's
 * credentials into a caller allowed on the route, or into 401/403. Thread-safe.
 */
public final class AccessPolicy {
    private static final Principal.Operator ANONYMOUS_ADMIN = Principal.AUTHENTICATION_DISABLED;

    private final Authenticator authenticator;
    private final boolean authenticationDisabled;
    private final boolean multitenancy;

    /**
     * @param authenticationDisabled callers without credentials are administrators (local
     *                               experiments); the OSB face still needs a platform
     * @param multitenancy           whether a tenant label key is configured; without one, a token
     *                               that names a tenant is refused (403)
     */
    public AccessPolicy(Authenticator authenticator, boolean authenticationDisabled, boolean multitenancy) {
        this.authenticator = authenticator;
        this.authenticationDisabled = authenticationDisabled;
        this.multitenancy = multitenancy;
    }

    /**
     * The caller of {@code request}, allowed on a route of {@code access}.
     *
     * @throws UnauthorizedException without valid credentials where they are needed
     * @throws ForbiddenException    for a caller of the wrong kind, or an operator without the
     *                               role the call needs (the message names it)
     */
    public Principal authorize(Access access, SmRequest request) {
        return authorize(access, request, principal -> { });
    }

    /**
     * As {@link #authorize(Access, SmRequest)}, telling {@code authenticated} who the caller is as
     * soon as that is known, before a 403: the audit line of a forbidden call names its caller.
     */
    public Principal authorize(Access access, SmRequest request, Consumer<Principal> authenticated) {
        if (access == Access.PUBLIC || access == Access.PUBLIC_IDENTIFIED) {
            return identifyPublic(access, request);
        }
        Principal principal = authenticator.authenticate(request);
        authenticated.accept(principal);
        if (tenantWithoutMultitenancy(principal)) {
            // Fail closed: without a tenant label key nothing could confine the tenant's caller, who
            // would act as a global administrator over every tenant's records.
            throw new ForbiddenException("the bearer token acts for a tenant, but this Service Manager has no "
                    + "multitenancy configured (no tenant label key), so tenant tokens are refused rather than "
                    + "treated as global");
        }
        if (principal instanceof Principal.Anonymous) {
            if (authenticationDisabled && access != Access.PLATFORM) {
                return ANONYMOUS_ADMIN;
            }
            throw new MissingCredentialsException(authenticator.acceptsBearerTokens());
        }
        if (principal instanceof Principal.Operator operator && access != Access.PLATFORM) {
            Role needed = access == Access.ADMIN_ROLE ? Role.ADMIN : needed(request.method());
            if (!operator.has(needed)) {
                throw new MissingRoleException(missingRole(needed, operator),
                        operator.via() == Principal.Via.BEARER ? authenticator.scope(needed) : null);
            }
            return principal;
        }
        if (!allows(access, principal)) {
            throw new ForbiddenException(principal instanceof Principal.PlatformCaller
                    ? "platforms may not " + request.method() + " " + request.path()
                    : "this endpoint is for platforms; operator credentials are not platform credentials");
        }
        return principal;
    }

    /** Reading needs any role; everything else needs admin. */
    static Role needed(String method) {
        return method.equals("GET") || method.equals("HEAD") ? Role.READ_ONLY : Role.ADMIN;
    }

    /** The 403 text: the role the call needs, and what the caller has (scopes as the verifier names them). */
    private String missingRole(Role needed, Principal.Operator operator) {
        String need = "this call needs the role " + needed.wireName();
        if (operator.role() != null) {
            return need + "; the caller has the role " + operator.role().wireName();
        }
        return need + (operator.via() == Principal.Via.BEARER
                ? "; the token grants no Service Manager role (scope " + authenticator.scope(Role.ADMIN) + " or "
                        + authenticator.scope(Role.READ_ONLY) + ")"
                : "; the caller has no role");
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
            Principal principal = authenticator.authenticate(request);
            return tenantWithoutMultitenancy(principal) ? Principal.ANONYMOUS : principal;
        } catch (RuntimeException e) {
            return Principal.ANONYMOUS;
        }
    }

    private boolean tenantWithoutMultitenancy(Principal principal) {
        return !multitenancy && principal instanceof Principal.Operator operator && operator.tenant() != null;
    }

    private static boolean allows(Access access, Principal principal) {
        return switch (access) {
            case ADMIN, ADMIN_ROLE -> principal instanceof Principal.Operator;
            case PLATFORM -> principal instanceof Principal.PlatformCaller;
            case ADMIN_OR_PLATFORM, PUBLIC, PUBLIC_IDENTIFIED -> true;
        };
    }
}
