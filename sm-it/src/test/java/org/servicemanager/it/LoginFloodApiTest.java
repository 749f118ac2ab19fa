package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("logins under a flood of wrong passwords")
class LoginFloodApiTest {

    @Test
    @DisplayName("during a flood of wrong passwords, correct credentials are answered 200 or 503 with Retry-After, never 401")
    void floodDoesNotRejectCorrectCredentials() throws Exception {
        try (SmServer server = SmServer.start()) {
            AtomicBoolean flooding = new AtomicBoolean(true);
            ExecutorService attackers = Executors.newFixedThreadPool(24);
            List<Future<?>> attacks = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                int attacker = i;
                attacks.add(attackers.submit(() -> {
                    for (int guess = 0; flooding.get(); guess++) {
                        // Every guess differs, so none is remembered: each costs a full hash.
                        server.anonymous().withCredentials(SmServer.ADMIN_USER, "guess-" + attacker + "-" + guess)
                                .get("/v1/platforms");
                    }
                }));
            }
            try {
                Thread.sleep(1_000); // the hash slots are taken and a queue has formed

                ApiResponse response = server.admin().get("/v1/platforms");

                assertThat(response.status()).as(response.body()).isIn(200, 503);
                if (response.status() == 503) {
                    assertThat(response.header("Retry-After")).isPresent();
                    assertThat(response.json().get("error").asText()).isEqualTo("ServiceUnavailable");
                }
            } finally {
                flooding.set(false);
                for (Future<?> attack : attacks) {
                    attack.get(60, TimeUnit.SECONDS);
                }
                attackers.shutdown();
            }
            assertThat(server.admin().get("/v1/platforms").status()).as("after the flood").isEqualTo(200);
        }
    }

    @Test
    @DisplayName("over the failed-login limit, refused guesses cost no hashing: each is far quicker than one checked guess")
    void refusedGuessesAreNotHashed() {
        try (SmServer server = SmServer.start(builder -> builder.failedLoginLimit(3, Duration.ofMinutes(10)))) {
            ApiClient anonymous = server.anonymous();
            long checked = Long.MAX_VALUE;
            for (int i = 0; i < 3; i++) {
                // Every guess differs, so none is remembered: each costs a full hash.
                long start = System.nanoTime();
                assertThat(anonymous.withCredentials(SmServer.ADMIN_USER, "checked-" + i).get("/v1/platforms")
                        .status()).isEqualTo(401);
                checked = Math.min(checked, System.nanoTime() - start);
            }
            long refused = Long.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                assertThat(anonymous.withCredentials(SmServer.ADMIN_USER, "refused-" + i).get("/v1/platforms")
                        .status()).isEqualTo(429);
                refused = Math.min(refused, System.nanoTime() - start);
            }

            // The hash dominates a checked guess (hundreds of milliseconds against about one).
            assertThat(refused).as("nanoseconds for a refused guess vs %s for a checked one", checked)
                    .isLessThan(checked / 5);
        }
    }

    @Test
    @DisplayName("an unknown user name is refused as slowly as the admin's name with a wrong password")
    void unknownUserTakesAsLong() {
        try (SmServer server = SmServer.start()) {
            ApiClient anonymous = server.anonymous();
            anonymous.withCredentials("warm-up", "x").get("/v1/platforms");
            long admin = Long.MAX_VALUE;
            long unknown = Long.MAX_VALUE;
            for (int i = 0; i < 3; i++) {
                admin = Math.min(admin, timed(anonymous.withCredentials(SmServer.ADMIN_USER, "wrong-" + i)));
                unknown = Math.min(unknown, timed(anonymous.withCredentials("no-such-user", "wrong-" + i)));
            }

            // The hash dominates both (hundreds of milliseconds against about one); a generous bound.
            assertThat(unknown).as("nanoseconds for an unknown user vs %s for the admin", admin)
                    .isGreaterThan(admin / 3);
        }
    }

    @Test
    @DisplayName("failed logins are logged with user and source but without the password, and a flood only in part")
    void failedLoginsAreLogged() {
        try (SmServer server = SmServer.start()) {
            PrintStream original = System.err;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                for (int i = 0; i < 40; i++) {
                    // The same wrong password: remembered after the first check, so the flood is quick.
                    ApiResponse response = server.anonymous().withCredentials(SmServer.ADMIN_USER, "Secret-Guess-1")
                            .get("/v1/platforms");
                    assertThat(response.status()).isEqualTo(401);
                }
            } finally {
                System.setErr(original);
            }
            String log = captured.toString(StandardCharsets.UTF_8);
            List<String> lines = log.lines().filter(line -> line.contains("failed login")).toList();

            assertThat(lines).isNotEmpty().hasSizeLessThanOrEqualTo(10);
            assertThat(lines.get(0)).contains("WARN").contains("user 'admin'").contains("127.0.0.1")
                    .contains("wrong password");
            assertThat(log).doesNotContain("Secret-Guess-1");
        }
    }

    private static long timed(ApiClient client) {
        long start = System.nanoTime();
        ApiResponse response = client.get("/v1/platforms");
        long elapsed = System.nanoTime() - start;
        assertThat(response.status()).isEqualTo(401);
        return elapsed;
    }
}
