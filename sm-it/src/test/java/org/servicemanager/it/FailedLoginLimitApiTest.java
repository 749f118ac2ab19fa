package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.test.time.MutableClock;

/**
 * The failed-login limit over HTTP: a flood of wrong guesses is refused with 429 once over it,
 * while the right password keeps working. The wrong password is the same each time, so that after
 * its first check it is remembered and the flood is quick.
 */
@DisplayName("the failed-login limit")
class FailedLoginLimitApiTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private SmServer server;

    private SmServer start(int perWindow) {
        server = SmServer.start(builder -> builder.clock(clock).failedLoginLimit(perWindow, Duration.ofSeconds(60)));
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private ApiResponse wrongGuess(String username) {
        return server.anonymous().withCredentials(username, "Wrong-Guess-1").get("/v1/platforms");
    }

    @Test
    @DisplayName("a flood of wrong passwords for one user gets 429 with Retry-After and the limit after the limit")
    void floodForOneUser() {
        start(3);
        for (int i = 0; i < 3; i++) {
            assertThat(wrongGuess(SmServer.ADMIN_USER).status()).isEqualTo(401);
        }

        ApiResponse refused = wrongGuess(SmServer.ADMIN_USER);

        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).hasValue("60");
        assertThat(refused.json().get("error").asText()).isEqualTo("TooManyRequests");
        assertThat(refused.json().get("description").asText()).contains("the limit is 3 per 60 seconds");
    }

    @Test
    @DisplayName("a flood of wrong passwords from one address for many user names gets 429 after the limit")
    void floodFromOneAddress() {
        start(3);
        for (int i = 0; i < 3; i++) {
            assertThat(wrongGuess("nobody-" + i).status()).isEqualTo(401);
        }

        ApiResponse refused = wrongGuess("nobody-else");

        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.json().get("description").asText()).contains("from this address");
    }

    @Test
    @DisplayName("the right password still works during a flood of wrong ones for the same user from the same address")
    void rightPasswordKeepsWorking() {
        start(2);
        for (int i = 0; i < 20; i++) {
            wrongGuess(SmServer.ADMIN_USER);
        }
        assertThat(wrongGuess(SmServer.ADMIN_USER).status()).isEqualTo(429);

        assertThat(server.admin().get("/v1/platforms").status()).isEqualTo(200);
        assertThat(server.admin().post("/v1/platforms", "{\"name\":\"p1\",\"type\":\"cf\"}").status()).isEqualTo(201);
        assertThat(wrongGuess(SmServer.ADMIN_USER).status()).as("still refused").isEqualTo(429);
    }

    @Test
    @DisplayName("one user name refused from every address: guesses from another address are refused too")
    void perUserAcrossAddresses() {
        start(3);
        for (int i = 0; i < 3; i++) {
            assertThat(direct("192.0.2." + i, "Wrong-Guess-1").status()).isEqualTo(401);
        }

        assertThat(direct("198.51.100.7", "Wrong-Guess-1").status()).isEqualTo(429);
        assertThat(direct("198.51.100.7", SmServer.ADMIN_PASSWORD).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("after the window, wrong guesses are answered 401 again")
    void windowExpires() {
        start(3);
        for (int i = 0; i < 4; i++) {
            wrongGuess(SmServer.ADMIN_USER);
        }
        assertThat(wrongGuess(SmServer.ADMIN_USER).status()).isEqualTo(429);

        clock.advance(Duration.ofSeconds(60));

        assertThat(wrongGuess(SmServer.ADMIN_USER).status()).isEqualTo(401);
    }

    @Test
    @DisplayName("without a configured limit (the default for embedders) a flood gets 401 only")
    void offByDefault() {
        server = SmServer.start();
        ApiClient wrong = server.anonymous().withCredentials(SmServer.ADMIN_USER, "Wrong-Guess-1");
        for (int i = 0; i < 30; i++) {
            assertThat(wrong.get("/v1/platforms").status()).isEqualTo(401);
        }
    }

    /** Through the same pipeline as HTTP, with a source address loopback cannot give. */
    private SmResponse direct(String source, String password) {
        String basic = Base64.getEncoder().encodeToString((SmServer.ADMIN_USER + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
        return server.sm().handle(SmRequest.builder("GET", "/v1/platforms").header("Authorization", "Basic " + basic)
                .remoteAddress(source).build());
    }
}
