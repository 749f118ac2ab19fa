package org.servicemanager.api.store;

/**
 * Encrypts secrets (broker passwords, tokens, TLS keys) before they reach a store, and decrypts
 * them when they are used. The Service Manager ships an AES-GCM implementation keyed by the host;
 * a host with a key management service can plug in its own. Implementations are thread-safe.
 */
public interface SecretCipher {

    /** The ciphertext of {@code plaintext}, as text a store can keep. */
    String encrypt(String plaintext);

    /**
     * The plaintext of a value {@link #encrypt} produced.
     *
     * @throws IllegalArgumentException if the value was not produced with this cipher's key or was
     *                                  altered
     */
    String decrypt(String ciphertext);
}
