package org.servicemanager.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.servicemanager.api.ServiceUnavailableException;
import org.servicemanager.api.TooManyRequestsException;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.security.UserCredentials;
import org.servicemanager.api.store.SecretCipher;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.security.AesGcmCipher;
import org.servicemanager.core.internal.security.PasswordHasher;
import org.servicemanager.core.security.TokenIssuer;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.time.MutableClock;

/** A store, cipher, clock and fixed users for issuer tests, and smctl-shaped requests. */
final class IssuerFixture {
    static final String ISSUER = "https://sm.example/oauth";
    static final ObjectMapper JSON = new ObjectMapper();

    final MemoryStore store = MemoryStore.create();
    final SecretCipher cipher = AesGcmCipher.of(AesGcmCipher.randomKey());
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final Users users = new Users();
    final List<String> audit = new CopyOnWriteArrayList<>();

    IssuerFixture() {
        users.add("admin", "admin-pw", Role.ADMIN);
        users.add("reader", "reader-pw", Role.READ_ONLY);
    }

    BuiltInIssuer.Builder builder() {
        return BuiltInIssuer.builder().issuerUrl(ISSUER).client("robot", "robot-secret", Role.ADMIN)
                .client("viewer", "viewer-secret", Role.READ_ONLY);
    }

    BuiltInIssuer started() {
        return start(builder().build());
    }

    BuiltInIssuer start(BuiltInIssuer issuer) {
        issuer.start(context());
        return issuer;
    }

    TokenIssuer.Context context() {
        return context(store, clock);
    }

    TokenIssuer.Context context(Store s, Clock c) {
        return new TokenIssuer.Context() {
            @Override
            public Store store() {
                return s;
            }

            @Override
            public SecretCipher cipher() {
                return cipher;
            }

            @Override
            public UserCredentials users() {
                return users;
            }

            @Override
            public Clock clock() {
                return c;
            }

            @Override
            public void audit(SmRequest request, String subject, String action, String outcome) {
                audit.add(subject + " " + action + " " + outcome);
            }
        };
    }

    /** A form POST to /oauth/token, with an optional Authorization header. */
    static SmRequest tokenRequest(String authorization, String form) {
        SmRequest.Builder b = SmRequest.builder("POST", "/oauth/token")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .remoteAddress("192.0.2.7")
                .body(form.getBytes(StandardCharsets.UTF_8));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b.build();
    }

    /** An access token shaped like the issuer's, signed by a key the issuer never had, under {@code kid}. */
    static String forgedToken(String kid) {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        return TestOidcIssuer.sign(TestOidcIssuer.newRsaKey(kid), new JOSEObjectType("at+jwt"), new JWTClaimsSet.Builder()
                .issuer(ISSUER).subject("admin").audience(List.of("service-manager"))
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                .claim("scope", List.of("service_manager.admin")).build());
    }

    static JsonNode json(SmResponse response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Configured users with fixed passwords; records failures like the core's limiter would count
     * them, and every client-secret check with the hash it was given. Like the core, it consults the
     * failed-login limit before hashing a client secret.
     */
    static final class Users implements UserCredentials {
        private final Map<String, String> passwords = new ConcurrentHashMap<>();
        private final Map<String, Role> roles = new ConcurrentHashMap<>();
        private static final PasswordHasher HASHER = new PasswordHasher();
        final List<String> failures = new CopyOnWriteArrayList<>();
        /** Each checkSecret call: the client id and the stored hash passed (null for an unknown client). */
        final List<String> secretChecks = new CopyOnWriteArrayList<>();
        volatile boolean overLimit;
        /** Makes password and secret checks answer "too busy", as the core's bounded hasher does. */
        volatile boolean busy;

        void add(String name, String password, Role role) {
            passwords.put(name, password);
            roles.put(name, role);
        }

        void remove(String name) {
            passwords.remove(name);
            roles.remove(name);
        }

        void setRole(String name, Role role) {
            roles.put(name, role);
        }

        @Override
        public Optional<Role> check(String username, String password, String source) {
            if (busy) {
                throw new ServiceUnavailableException("too many password checks are in progress; retry shortly", 3);
            }
            if (password.equals(passwords.get(username))) {
                return Optional.of(roles.get(username));
            }
            failed(username, source, "wrong password");
            return Optional.empty();
        }

        @Override
        public Optional<Role> currentRole(String username) {
            return Optional.ofNullable(roles.get(username));
        }

        @Override
        public Optional<String> credentialStamp(String username) {
            String password = passwords.get(username);
            return password == null ? Optional.empty() : Optional.of(roles.get(username) + "|" + password.hashCode());
        }

        void setPassword(String name, String password) {
            passwords.put(name, password);
        }

        @Override
        public boolean checkSecret(String clientId, String secret, String storedHash, String source) {
            secretChecks.add(clientId + ":" + storedHash);
            if (overLimit) {
                throw new TooManyRequestsException("too many failed logins from " + source, 7);
            }
            if (busy) {
                throw new ServiceUnavailableException("too many password checks are in progress; retry shortly", 3);
            }
            boolean valid = storedHash != null && secret != null && HASHER.verify(secret, storedHash);
            if (!valid) {
                failed(clientId, source, "wrong client secret");
            }
            return valid;
        }

        @Override
        public void failed(String name, String source, String reason) {
            failures.add(name + "@" + source + ": " + reason);
            if (overLimit) {
                throw new TooManyRequestsException("too many failed logins from " + source, 7);
            }
        }
    }
}
