package org.servicemanager.api.security;

import java.util.Optional;

/**
 * The Service Manager's configured users (those given to its builder), for a token issuer's
 * password grant. Platform credentials are never accepted here: a platform may not obtain an
 * operator's token. Failed checks count towards the failed-login limit and are audited like failed
 * Basic logins. Thread-safe.
 */
public interface UserCredentials {

    /**
     * The role of {@code username} if {@code password} is its password; empty for a wrong password,
     * an unknown user or a platform's user name (all equally slow, so the answer time tells nothing).
     *
     * @param source the client's address, for the failed-login limit and the audit, or {@code null}
     * @throws org.servicemanager.api.TooManyRequestsException when the failed-login limit throttles
     *     this user name from this source (or the source) and its next check is not due: refused
     *     before any hashing, whatever the password
     * @throws org.servicemanager.api.ServiceUnavailableException when too many passwords are being
     *     checked to check this one in time
     */
    Optional<Role> check(String username, String password, String source);

    /**
     * The role {@code username} has now, empty if it no longer exists: a refresh must not outlive a
     * removed user or keep a role the user lost.
     */
    Optional<Role> currentRole(String username);

    /**
     * A value that changes whenever {@code username}'s password or role changes, empty if the user no
     * longer exists; the same on every node and after a restart with the same configuration. A
     * refresh token carries it, so that a new password ends the sessions the old one opened. It is
     * a fast digest that involves the password: keep it sealed (encrypted) wherever a client could
     * read it.
     */
    Optional<String> credentialStamp(String username);

    /**
     * Whether {@code secret} is an OAuth client's secret, checked against {@code storedHash} (made by
     * {@code org.servicemanager.core.security.SecretHashes#hash}) with a password's protections:
     * bounded concurrency, the failed-login limit (over it, refused before any hashing), and a
     * failure logged and audited like a wrong password.
     *
     * @param storedHash the client's hash, or {@code null} for an unknown client: then as slow as a
     *                   wrong secret, and always false
     * @throws org.servicemanager.api.TooManyRequestsException when the failed-login limit throttles
     *     this client id from this source (or the source) and its next check is not due
     * @throws org.servicemanager.api.ServiceUnavailableException when too many secrets are being
     *     checked to check this one in time
     */
    boolean checkSecret(String clientId, String secret, String storedHash, String source);

    /**
     * Records a failed authentication not made through {@link #check} or {@link #checkSecret} (a
     * forged refresh token, say): logged, audited and counted like a wrong password. It never
     * refuses: a limit only refuses checks not yet made.
     *
     * @param name   the claimed user or client name, or {@code null}
     * @param source the client's address, or {@code null}
     * @param reason a short reason for the log, never a secret
     */
    void failed(String name, String source, String reason);
}
