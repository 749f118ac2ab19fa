package org.servicemanager.oauth.internal;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A confidential client's secret, kept only as a salted PBKDF2-HMAC-SHA256 hash so that a heap dump
 * does not reveal it; compared in constant time. Immutable and thread-safe.
 */
public final class ClientSecret {
    /**
     * Client secrets are usually generated, but may be chosen by people: OWASP's 2023
     * recommendation for PBKDF2-SHA256 would cost a core ~0.3 s per token request; this is the
     * middle ground for a credential presented once per token lifetime.
     */
    static final int ITERATIONS = 100_000;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ClientSecret NONE = of("no client has this secret");

    private final byte[] salt;
    private final byte[] hash;

    private ClientSecret(byte[] salt, byte[] hash) {
        this.salt = salt;
        this.hash = hash;
    }

    /** The hash of {@code secret} with a fresh salt. */
    public static ClientSecret of(String secret) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return new ClientSecret(salt, derive(secret, salt));
    }

    /**
     * A secret no presented value matches, checked at the same cost as a real one: an unknown
     * client id answers as slowly as a wrong secret.
     */
    public static ClientSecret none() {
        return NONE;
    }

    public boolean matches(String presented) {
        byte[] candidate = derive(presented == null ? "" : presented, salt);
        return MessageDigest.isEqual(candidate, hash) && this != NONE;
    }

    private static byte[] derive(String secret, byte[] salt) {
        try {
            PBEKeySpec spec = new PBEKeySpec(secret.toCharArray(), salt, ITERATIONS, 256);
            try {
                return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            } finally {
                spec.clearPassword();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is required by every Java runtime", e);
        }
    }

    @Override
    public String toString() {
        return "ClientSecret[hashed]";
    }
}
