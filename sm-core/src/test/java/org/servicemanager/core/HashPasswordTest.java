package org.servicemanager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.internal.security.PasswordHasher;

@DisplayName("ServiceManager.Builder.hashPassword with an iteration count")
class HashPasswordTest {

    @Test
    @DisplayName("gives a salted hash with that many iterations, which the hasher verifies against the password")
    void hashesWithTheIterations() throws Exception {
        String hash = ServiceManager.Builder.hashPassword("test-password", 1_000);

        assertThat(hash).startsWith("pbkdf2-sha256$1000$");
        assertThat(PasswordHasher.iterations(hash)).isEqualTo(1_000);
        assertThat(ServiceManager.Builder.hashPassword("test-password", 1_000)).isNotEqualTo(hash);
        assertThat(new PasswordHasher().verify("test-password", hash)).isTrue();
        assertThat(new PasswordHasher().verify("other-password", hash)).isFalse();
        ServiceManager.builder().userWithHash("tester", hash, org.servicemanager.api.security.Role.ADMIN);
    }

    @Test
    @DisplayName("refuses an iteration count that is not positive, naming it")
    void refusesNonPositiveIterations() {
        assertThatThrownBy(() -> ServiceManager.Builder.hashPassword("test-password", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("iterations must be positive, was 0");
    }
}
