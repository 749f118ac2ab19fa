package org.servicemanager.core.internal.security;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.servicemanager.api.store.SecretCipher;

/**
 * AES-256-GCM with a random 96-bit nonce per value, as {@code aesgcm:v1:<base64(nonce|ciphertext|tag)>}.
 * The tag authenticates the value, so a wrong key or an altered value is detected, never decrypted
 * into garbage. Thread-safe (a {@link Cipher} is made per call).
 */
public final class AesGcmCipher implements SecretCipher {
    public static final int KEY_BYTES = 32;
    private static final String PREFIX = "aesgcm:v1:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final byte[] AAD = "service-manager secret".getBytes(StandardCharsets.UTF_8);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    private AesGcmCipher(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    /** A cipher with a copy of {@code key}, which must be 32 bytes. */
    public static AesGcmCipher of(byte[] key) {
        if (key == null || key.length != KEY_BYTES) {
            throw new IllegalArgumentException("the encryption key must be " + KEY_BYTES + " bytes, was "
                    + (key == null ? "null" : key.length + " bytes"));
        }
        return new AesGcmCipher(key.clone());
    }

    /** A fresh random key. */
    public static byte[] randomKey() {
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        return key;
    }

    @Override
    public String encrypt(String plaintext) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(AAD);
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            return PREFIX + Base64.getEncoder().encodeToString(
                    ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is required by every Java runtime", e);
        }
    }

    @Override
    public String decrypt(String ciphertext) {
        if (ciphertext == null || !ciphertext.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a value encrypted by this Service Manager");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(ciphertext.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("an encrypted value is corrupt");
        }
        if (raw.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new IllegalArgumentException("an encrypted value is corrupt");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, raw, 0, NONCE_BYTES));
            cipher.updateAAD(AAD);
            return new String(cipher.doFinal(raw, NONCE_BYTES, raw.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalArgumentException("an encrypted value does not match the encryption key");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is required by every Java runtime", e);
        }
    }

    @Override
    public String toString() {
        return "AesGcmCipher[key=<redacted>]";
    }
}
