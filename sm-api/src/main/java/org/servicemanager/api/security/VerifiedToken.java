package org.servicemanager.api.security;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a valid bearer token says about its holder. Immutable.
 *
 * @param subject   the token's {@code sub}
 * @param name      who to name in logs and the audit: a user name if the token has one, else the
 *                  client id, else the subject
 * @param clientId  the OAuth client the token was issued to, or {@code null}
 * @param role      the role its scopes grant, or {@code null}: such a token is valid (not 401) but
 *                  may call nothing that needs a role (403 naming the role)
 * @param expiresAt the token's {@code exp}
 * @param tenant    the tenant the holder acts for when the Service Manager is multitenant (its
 *                  {@code tenantLabelKey}); empty for a global caller, who sees every tenant. A
 *                  Service Manager without a tenant label key refuses (403) tokens that name one.
 */
public record VerifiedToken(String subject, String name, String clientId, Role role, Instant expiresAt,
        Optional<String> tenant) {
    public VerifiedToken {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(tenant, "tenant");
        if (tenant.isPresent() && tenant.get().isEmpty()) {
            throw new IllegalArgumentException("tenant must not be empty; leave it out for a global caller");
        }
    }

    /** A token of a global caller (no tenant). */
    public VerifiedToken(String subject, String name, String clientId, Role role, Instant expiresAt) {
        this(subject, name, clientId, role, expiresAt, Optional.empty());
    }

    /** The same token acting for {@code tenant} ({@code null}: global). */
    public VerifiedToken withTenant(String tenant) {
        return new VerifiedToken(subject, name, clientId, role, expiresAt, Optional.ofNullable(tenant));
    }

    public Optional<Role> roleIfAny() {
        return Optional.ofNullable(role);
    }
}
