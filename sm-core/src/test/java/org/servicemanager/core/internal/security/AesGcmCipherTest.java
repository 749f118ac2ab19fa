package org.servicemanager.core.internal.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.BrokerCredentials;

class AesGcmCipherTest {
    private final AesGcmCipher cipher = AesGcmCipher.of(AesGcmCipher.randomKey());

    @Test
    @DisplayName("a value round-trips, and its ciphertext neither shows it nor repeats")
    void roundTrip() {
        String secret = "broker-password-ü-1";
        String sealed = cipher.encrypt(secret);
        assertThat(sealed).startsWith("aesgcm:v1:").doesNotContain(secret);
        assertThat(cipher.encrypt(secret)).isNotEqualTo(sealed);
        assertThat(cipher.decrypt(sealed)).isEqualTo(secret);
    }

    @Test
    @DisplayName("another key or an altered value is detected, never decrypted into garbage")
    void detectsWrongKeyAndTampering() {
        String sealed = cipher.encrypt("secret");
        AesGcmCipher other = AesGcmCipher.of(AesGcmCipher.randomKey());
        assertThatThrownBy(() -> other.decrypt(sealed)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match the encryption key");
        char[] chars = sealed.toCharArray();
        // A character in the middle: the one before the '=' padding carries bits the decoder ignores.
        int middle = chars.length / 2;
        chars[middle] = chars[middle] == 'A' ? 'B' : 'A';
        assertThatThrownBy(() -> cipher.decrypt(new String(chars))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cipher.decrypt("plain")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cipher.decrypt("aesgcm:v1:!!")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cipher.decrypt("aesgcm:v1:AAAA")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("keys must be exactly 32 bytes")
    void keyLength() {
        assertThatThrownBy(() -> AesGcmCipher.of(new byte[16])).hasMessageContaining("32 bytes, was 16 bytes");
        assertThatThrownBy(() -> AesGcmCipher.of(null)).hasMessageContaining("was null");
    }

    @Test
    @DisplayName("broker credentials are sealed in their secret parts only, and open again")
    void brokerSecrets() {
        BrokerSecrets secrets = new BrokerSecrets(cipher);
        BrokerCredentials plain = new BrokerCredentials("user", "pass", null, "-----BEGIN CERTIFICATE-----", "key");
        BrokerCredentials sealed = secrets.seal(plain);
        assertThat(sealed.basicUsername()).isEqualTo("user");
        assertThat(sealed.tlsClientCertificate()).isEqualTo(plain.tlsClientCertificate());
        assertThat(sealed.basicPassword()).isNotEqualTo("pass").startsWith("aesgcm:v1:");
        assertThat(sealed.tlsClientKey()).startsWith("aesgcm:v1:");
        assertThat(sealed.token()).isNull();
        assertThat(secrets.open(sealed)).isEqualTo(plain);
    }
}
