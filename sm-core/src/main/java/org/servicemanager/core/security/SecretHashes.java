package org.servicemanager.core.security;

import org.servicemanager.core.internal.security.PasswordHasher;

/**
 * Hashes secrets a token issuer keeps for its OAuth clients, in the form the Service Manager's
 * {@link org.servicemanager.api.security.UserCredentials#checkSecret} verifies (salted PBKDF2, as for
 * administrators' passwords), so that a client secret gets a password's protections. Thread-safe.
 */
public final class SecretHashes {
    private SecretHashes() {
    }

    /** A salted hash of {@code secret}; the secret itself is not kept. */
    public static String hash(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("a client secret must not be empty");
        }
        return PasswordHasher.hash(secret, PasswordHasher.ADMIN_ITERATIONS);
    }
}
