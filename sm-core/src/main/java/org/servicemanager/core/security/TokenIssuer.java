package org.servicemanager.core.security;

import java.time.Clock;
import org.servicemanager.api.security.BearerTokenVerifier;
import org.servicemanager.api.security.UserCredentials;
import org.servicemanager.api.store.SecretCipher;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;

/**
 * An OAuth 2.0 token issuer served by the Service Manager on public routes under
 * {@link #pathPrefix()} (discovery, JWKS, token endpoint), which also verifies the tokens it
 * issued. Given to {@code ServiceManager.builder().tokenIssuer(...)}; the Service Manager calls
 * {@link #start} once while it is built, before any request, and {@link #close} when it closes.
 * Implementations must be thread-safe.
 */
public interface TokenIssuer extends BearerTokenVerifier, AutoCloseable {

    /**
     * The path below the Service Manager's root under which {@link #handle} answers, e.g.
     * {@code /oauth}: every request whose path is it or starts with it plus {@code /} goes to
     * {@link #handle}, without authentication by the Service Manager.
     */
    String pathPrefix();

    /**
     * Prepares the issuer: reads or creates its signing keys in the store.
     *
     * @throws org.servicemanager.api.ServiceManagerException when the keys cannot be read or made;
     *     the Service Manager then fails to build
     */
    void start(Context context);

    /**
     * Answers a request under {@link #pathPrefix()}; the request's path is the full path as the
     * Service Manager received it. Errors of the token endpoint are answered here in OAuth's form
     * ({@code {"error", "error_description"}}, RFC 6749 5.2); a thrown
     * {@link org.servicemanager.api.ServiceManagerException} is mapped as for any route.
     */
    SmResponse handle(SmRequest request);

    /** Stops background work, if any. */
    @Override
    default void close() {
    }

    /**
     * What the Service Manager gives its issuer. Thread-safe: the Service Manager's implementation
     * only hands out its store, cipher, user credentials and clock (all thread-safe) and writes
     * audit lines through a stateless logger, so an issuer may use it from any request thread.
     */
    interface Context {
        /** The Service Manager's store, for {@code EntityTypes.SIGNING_KEYS}. */
        Store store();

        /** The cipher that seals private keys at rest (the one of broker credentials). */
        SecretCipher cipher();

        /** The configured users, for the password grant; never platforms. */
        UserCredentials users();

        Clock clock();

        /**
         * Writes an audit line for a token request (grant, client, user, outcome), on the same
         * logger as the API's; {@code outcome} is a short word such as {@code issued} or
         * {@code invalid_grant}. Never give it a secret.
         */
        void audit(SmRequest request, String subject, String action, String outcome);
    }
}
