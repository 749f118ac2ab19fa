package org.servicemanager.oauth.internal;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.servicemanager.api.security.Role;

/**
 * The two scopes that carry the Service Manager's roles, {@code <prefix>.admin} and
 * {@code <prefix>.read}: what the built-in issuer grants and what every verifier reads, kept in one
 * place so that issuing and verifying cannot drift apart. Immutable and thread-safe.
 */
public final class Scopes {
    private final String prefix;
    private final String admin;
    private final String read;

    /**
     * @throws IllegalArgumentException naming the value when the prefix is empty or holds a space, a
     *     quote or a backslash (it appears in {@code WWW-Authenticate} challenges and in scope lists)
     */
    public Scopes(String prefix) {
        this.prefix = checkPrefix(prefix);
        this.admin = prefix + ".admin";
        this.read = prefix + ".read";
    }

    /** The prefix if it is a usable one; see {@link #Scopes(String)}. */
    public static String checkPrefix(String prefix) {
        if (prefix == null || prefix.isBlank() || prefix.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '\\')) {
            throw new IllegalArgumentException("scopePrefix must be a non-empty word without spaces or quotes, was "
                    + (prefix == null ? "null" : "'" + prefix + "'"));
        }
        return prefix;
    }

    public String prefix() {
        return prefix;
    }

    /** The scope that grants {@code role}. */
    public String of(Role role) {
        return Objects.requireNonNull(role, "role") == Role.ADMIN ? admin : read;
    }

    /** Every scope a holder of {@code role} gets: an administrator may read too. */
    public List<String> granted(Role role) {
        return Objects.requireNonNull(role, "role") == Role.ADMIN ? List.of(admin, read) : List.of(read);
    }

    /** The role {@code scopes} grant (admin wins), or {@code null} for neither scope. */
    public Role roleOf(Collection<String> scopes) {
        return scopes.contains(admin) ? Role.ADMIN : scopes.contains(read) ? Role.READ_ONLY : null;
    }

    /** Both scopes, for a discovery document's {@code scopes_supported}. */
    public List<String> all() {
        return List.of(admin, read);
    }
}
