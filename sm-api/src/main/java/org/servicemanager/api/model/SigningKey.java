package org.servicemanager.api.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A key the built-in token issuer signs access tokens with, kept in the store so that every node
 * signs and verifies with the same keys. Internal: never served by the REST API.
 *
 * @param id               the key id ({@code kid} of the JWK and of the tokens' JWS header)
 * @param algorithm        the JWS algorithm, {@code RS256} or {@code ES256}
 * @param publicJwk        the public key as JWK JSON (what the JWKS publishes)
 * @param sealedPrivateJwk the private key as JWK JSON, encrypted with the Service Manager's
 *                         {@link org.servicemanager.api.store.SecretCipher}; never logged
 * @param retiredAt        when the key stopped signing, or {@code null} while it signs: a retired
 *                         key is still published and accepted until the tokens it signed expired
 */
public record SigningKey(
        String id,
        String algorithm,
        String publicJwk,
        String sealedPrivateJwk,
        Instant retiredAt,
        Labels labels,
        Instant createdAt,
        Instant updatedAt,
        boolean ready,
        long version) implements Entity {

    public SigningKey {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(publicJwk, "publicJwk");
        Objects.requireNonNull(sealedPrivateJwk, "sealedPrivateJwk");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    public SigningKey withVersion(long newVersion) {
        return new SigningKey(id, algorithm, publicJwk, sealedPrivateJwk, retiredAt, labels, createdAt, updatedAt,
                ready, newVersion);
    }

    /** This key, retired at {@code at} (it no longer signs). */
    public SigningKey retired(Instant at) {
        return new SigningKey(id, algorithm, publicJwk, sealedPrivateJwk, at, labels, createdAt, at, ready, version);
    }
}
