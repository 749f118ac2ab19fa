package org.servicemanager.core.internal.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.ServiceUnavailableException;

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

    @Test
    @DisplayName("when every verification slot stays busy, a check fails as 'unavailable', never as a wrong password")
    void overloadIsNotAWrongPassword() {
        PasswordHasher impatient = new PasswordHasher(Duration.ofMillis(50));
        String slowHash = PasswordHasher.hash("pw", 1_000);
        // Far more work than the wait, on every slot: ~ a second each even on a fast core.
        String[] busy = new String[Runtime.getRuntime().availableProcessors() * 2];
        for (int i = 0; i < busy.length; i++) {
            busy[i] = PasswordHasher.unmatchableHash(3_000_000);
        }
        List<CompletableFuture<Boolean>> flood = new ArrayList<>();
        for (String hash : busy) {
            flood.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return impatient.verify("guess", hash);
                } catch (ServiceUnavailableException e) {
                    return false;
                }
            }, runnable -> new Thread(runnable).start()));
        }
        try {
            sleep(200);
            assertThatThrownBy(() -> impatient.verify("pw", slowHash))
                    .isInstanceOf(ServiceUnavailableException.class)
                    .satisfies(e -> assertThat(((ServiceUnavailableException) e).retryAfterSeconds()).isPositive());
        } finally {
            flood.forEach(CompletableFuture::join);
        }
        assertThat(impatient.verify("pw", slowHash)).as("once the flood is over").isTrue();
    }

    @Test
    @DisplayName("when the line of waiting checks is full, one more is refused at once instead of holding a thread")
    void fullLineRefusedAtOnce() {
        PasswordHasher patient = new PasswordHasher(Duration.ofSeconds(20));
        String cheap = PasswordHasher.hash("pw", 1_000);
        List<CompletableFuture<Boolean>> running = new ArrayList<>();
        for (int i = 0; i < PasswordHasher.SLOTS; i++) {
            String heavy = PasswordHasher.unmatchableHash(4_000_000);
            running.add(CompletableFuture.supplyAsync(() -> patient.verify("guess", heavy),
                    runnable -> new Thread(runnable).start()));
        }
        sleep(200);
        for (int i = 0; i < PasswordHasher.MAX_WAITING; i++) {
            String password = "wait-" + i;
            running.add(CompletableFuture.supplyAsync(() -> patient.verify(password, cheap),
                    runnable -> new Thread(runnable).start()));
        }
        sleep(300);
        try {
            long start = System.nanoTime();
            assertThatThrownBy(() -> patient.verify("one-more", cheap)).isInstanceOf(ServiceUnavailableException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        } finally {
            running.forEach(CompletableFuture::join);
        }
    }

    @Test
    @DisplayName("an unknown user's password is checked as slowly as a real one, and never matches")
    void unknownUserCostsTheSame() {
        String unmatchable = PasswordHasher.unmatchableHash(1_000);
        assertThat(PasswordHasher.iterations(unmatchable)).isEqualTo(1_000);
        assertThat(hasher.verifyUnknownUser("nobody", "pw", unmatchable)).isFalse();
        assertThat(hasher.verifyUnknownUser("nobody", "", unmatchable)).isFalse();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
