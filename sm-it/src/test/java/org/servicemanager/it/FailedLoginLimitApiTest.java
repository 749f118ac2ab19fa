package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.TooManyRequestsException;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.security.UserCredentials;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.security.SecretHashes;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.test.time.MutableClock;

/**
 * The failed-login limit over HTTP: once a user name from one address (or an address as a whole)
 * is over it, one credential check per interval is made and other attempts get 429 before any
 * hashing; the right password gets in once Retry-After has passed. With 3 per 60 seconds the
 * interval is 20 seconds. The wrong password is the same each time, so that after its first check
 * it is remembered and the flood is quick.
 */
@DisplayName("the failed-login limit")
class FailedLoginLimitApiTest {
    private static final String READER = "reader";
    private static final String READER_PASSWORD = "reader-secret";
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final TestIssuer issuer = new TestIssuer();
    private SmServer server;

    private SmServer start(int perWindow) {
        server = SmServer.start(builder -> builder.clock(clock).failedLoginLimit(perWindow, Duration.ofSeconds(60))
                .user(READER, READER_PASSWORD, Role.READ_ONLY).tokenIssuer(issuer));
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

    private void useUpTheLimit() {
        for (int i = 0; i < 3; i++) {
            assertThat(wrongGuess(SmServer.ADMIN_USER).status()).isEqualTo(401);
        }
    }

    @Test
    @DisplayName("over the limit a wrong guess for one user from one address gets 429 with Retry-After of one interval")
    void floodForOneUser() {
        start(3);
        useUpTheLimit();

        ApiResponse refused = wrongGuess(SmServer.ADMIN_USER);

        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).hasValue("20");
        assertThat(refused.json().get("error").asText()).isEqualTo("TooManyRequests");
        assertThat(refused.json().get("description").asText()).contains("the limit is 3 per 60 seconds")
                .contains("only one login is checked every 20 seconds");
    }

    @Test
    @DisplayName("over the limit the right password is refused too until Retry-After has passed, and then works")
    void rightPasswordAfterRetryAfter() {
        start(3);
        useUpTheLimit();
        assertThat(server.admin().get("/v1/platforms").status()).isEqualTo(429);

        clock.advance(Duration.ofSeconds(20));

        assertThat(server.admin().get("/v1/platforms").status()).isEqualTo(200);
        assertThat(server.admin().post("/v1/platforms", "{\"name\":\"p1\",\"type\":\"cf\"}").status()).isEqualTo(201);
    }

    @Test
    @DisplayName("a guesser honouring Retry-After gets one guess checked per interval, and the next at once is refused")
    void oneGuessPerInterval() {
        start(3);
        useUpTheLimit();

        clock.advance(Duration.ofSeconds(20));

        assertThat(wrongGuess(SmServer.ADMIN_USER).status()).isEqualTo(401);
        assertThat(wrongGuess(SmServer.ADMIN_USER).status()).isEqualTo(429);
    }

    @Test
    @DisplayName("a throttled user name from one address leaves other users from the same address alone")
    void otherUsersUnaffected() {
        start(3);
        useUpTheLimit();

        assertThat(server.anonymous().withCredentials(READER, READER_PASSWORD).get("/v1/platforms").status())
                .isEqualTo(200);
        assertThat(wrongGuess(READER).status()).isEqualTo(401);
    }

    @Test
    @DisplayName("a throttled user name from one address is checked as usual from another address")
    void sameUserOtherAddress() {
        start(3);
        for (int i = 0; i < 3; i++) {
            assertThat(direct("192.0.2.1", "Wrong-Guess-1").status()).isEqualTo(401);
        }
        assertThat(direct("192.0.2.1", SmServer.ADMIN_PASSWORD).status()).isEqualTo(429);

        assertThat(direct("198.51.100.7", "Wrong-Guess-1").status()).isEqualTo(401);
        assertThat(direct("198.51.100.7", SmServer.ADMIN_PASSWORD).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a user name failing from many addresses is never refused as a whole")
    void userNeverLockedOut() {
        start(3);
        for (int i = 0; i < 20; i++) {
            assertThat(direct("192.0.2." + i, "Wrong-Guess-1").status()).isEqualTo(401);
        }

        assertThat(direct("198.51.100.7", SmServer.ADMIN_PASSWORD).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("an address spraying many user names is throttled as a whole after ten times the limit")
    void floodFromOneAddress() {
        start(3);
        for (int i = 0; i < 30; i++) {
            assertThat(wrongGuess("nobody-" + i).status()).isEqualTo(401);
        }

        ApiResponse refused = wrongGuess("nobody-else");

        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.json().get("description").asText()).contains("from this address")
                .contains("the limit is 30 per 60 seconds");
    }

    @Test
    @DisplayName("invalid bearer tokens from one address throttle that address, before the token is verified")
    void bearerFailuresBySource() {
        start(3);
        ApiClient forged = server.anonymous().withAuthorization("Bearer forged");
        for (int i = 0; i < 30; i++) {
            assertThat(forged.get("/v1/platforms").status()).isEqualTo(401);
        }

        ApiResponse refused = server.anonymous().withAuthorization("Bearer " + TestTokens.ADMIN).get("/v1/platforms");

        assertThat(refused.status()).isEqualTo(429);
        clock.advance(Duration.ofSeconds(20));
        assertThat(server.anonymous().withAuthorization("Bearer " + TestTokens.ADMIN).get("/v1/platforms").status())
                .isEqualTo(200);
    }

    @Test
    @DisplayName("the password grant's check is refused over the limit before hashing, and works after Retry-After")
    void passwordGrantCheck() {
        start(3);
        UserCredentials users = issuer.context.get().users();
        for (int i = 0; i < 3; i++) {
            assertThat(users.check(SmServer.ADMIN_USER, "Wrong-Guess-" + i, "192.0.2.9")).isEmpty();
        }

        assertThatThrownBy(() -> users.check(SmServer.ADMIN_USER, SmServer.ADMIN_PASSWORD, "192.0.2.9"))
                .isInstanceOf(TooManyRequestsException.class);
        clock.advance(Duration.ofSeconds(20));
        assertThat(users.check(SmServer.ADMIN_USER, SmServer.ADMIN_PASSWORD, "192.0.2.9")).contains(Role.ADMIN);
    }

    @Test
    @DisplayName("a client secret's check is refused over the limit before hashing, and works after Retry-After")
    void clientSecretCheck() {
        start(3);
        UserCredentials users = issuer.context.get().users();
        String hash = SecretHashes.hash("client-secret-1");
        for (int i = 0; i < 3; i++) {
            assertThat(users.checkSecret("ci", "wrong", hash, "192.0.2.9")).isFalse();
        }

        assertThatThrownBy(() -> users.checkSecret("ci", "client-secret-1", hash, "192.0.2.9"))
                .isInstanceOf(TooManyRequestsException.class);
        clock.advance(Duration.ofSeconds(20));
        assertThat(users.checkSecret("ci", "client-secret-1", hash, "192.0.2.9")).isTrue();
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
