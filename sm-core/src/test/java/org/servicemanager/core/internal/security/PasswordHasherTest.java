package org.servicemanager.core.internal.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PasswordHasherTest {
    private final PasswordHasher hasher = new PasswordHasher();

    @Test
    @DisplayName("a hash verifies its own password and no other, and never contains the password")
    void verifies() {
        String hash = PasswordHasher.hash("s3cret-pass", 1_000);
        assertThat(hash).startsWith("pbkdf2-sha256$1000$").doesNotContain("s3cret-pass");
        assertThat(hasher.verify("s3cret-pass", hash)).isTrue();
        assertThat(hasher.verify("s3cret-pasS", hash)).isFalse();
        assertThat(hasher.verify("", hash)).isFalse();
    }

    @Test
    @DisplayName("the same password hashes differently each time (salted)")
    void salted() {
        assertThat(PasswordHasher.hash("pw", 1_000)).isNotEqualTo(PasswordHasher.hash("pw", 1_000));
    }

    @Test
    @DisplayName("a remembered verification does not survive a change of the stored hash")
    void memoKeyedByHash() {
        String first = PasswordHasher.hash("pw", 1_000);
        assertThat(hasher.verify("pw", first)).isTrue();
        String second = PasswordHasher.hash("other", 1_000);
        assertThat(hasher.verify("pw", second)).isFalse();
        assertThat(hasher.verify("pw", first)).isTrue();
    }

    @Test
    @DisplayName("malformed stored hashes never verify and never throw")
    void malformed() {
        for (String bad : new String[] {"", "plain", "pbkdf2-sha256$x$y$z", "pbkdf2-sha256$0$AA$AA",
            "md5$1$AA$AA", "pbkdf2-sha256$1000$!!$??"}) {
            assertThat(hasher.verify("pw", bad)).as(bad).isFalse();
        }
    }

    @Test
    @DisplayName("generated secrets are URL-safe and of the requested entropy")
    void secrets() {
        String secret = PasswordHasher.randomSecret(32);
        assertThat(secret).matches("[A-Za-z0-9_-]{43}");
        assertThat(PasswordHasher.randomSecret(32)).isNotEqualTo(secret);
    }
}
