package org.servicemanager.core.internal.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import org.servicemanager.api.model.BrokerCredentials;
import org.servicemanager.api.store.SecretCipher;

/**
 * Seals the secret parts of broker credentials (password, token, TLS private key) for storage and
 * opens them for use. User names and certificates are not secret and stay readable, so an
 * operator can still tell which identity a broker uses.
 */
public final class BrokerSecrets {
    private final SecretCipher cipher;
    /**
     * Opened credentials by their sealed form: every OSB call needs them, and decrypting costs more
     * than the rest of the call's checks. A sealed value stands for one version of one broker's
     * credentials, so a changed broker simply misses; credentials not used for ten minutes (say,
     * replaced ones) leave the heap, and a cipher backed by a key service is asked again then.
     */
    private final Cache<BrokerCredentials, BrokerCredentials> opened =
            Caffeine.newBuilder().maximumSize(1_000).expireAfterAccess(Duration.ofMinutes(10)).build();

    public BrokerSecrets(SecretCipher cipher) {
        this.cipher = cipher;
    }

    public BrokerCredentials seal(BrokerCredentials plain) {
        return new BrokerCredentials(plain.basicUsername(), encrypt(plain.basicPassword()), encrypt(plain.token()),
                plain.tlsClientCertificate(), encrypt(plain.tlsClientKey()));
    }

    /**
     * @throws IllegalArgumentException if the values were sealed with another key
     */
    public BrokerCredentials open(BrokerCredentials sealed) {
        return opened.get(sealed, this::decryptAll);
    }

    private BrokerCredentials decryptAll(BrokerCredentials sealed) {
        return new BrokerCredentials(sealed.basicUsername(), decrypt(sealed.basicPassword()),
                decrypt(sealed.token()), sealed.tlsClientCertificate(), decrypt(sealed.tlsClientKey()));
    }

    /**
     * Seals any secret text (a binding's credentials as JSON) with the same cipher as broker
     * credentials, so one key protects every secret in the store.
     */
    public String sealText(String plain) {
        return encrypt(plain);
    }

    /**
     * Opens text {@link #sealText} sealed; {@code null} stays {@code null}.
     *
     * @throws IllegalArgumentException if it was sealed with another key or altered
     */
    public String openText(String sealed) {
        return decrypt(sealed);
    }

    private String encrypt(String value) {
        return value == null ? null : cipher.encrypt(value);
    }

    private String decrypt(String value) {
        return value == null ? null : cipher.decrypt(value);
    }
}
