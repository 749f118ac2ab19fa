package org.servicemanager.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.InvalidBearerTokenException;
import org.servicemanager.api.ServiceUnavailableException;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.security.VerifiedToken;
import org.servicemanager.oauth.internal.AccessTokenVerifier;
import org.servicemanager.test.time.MutableClock;

@DisplayName("OidcBearerVerifier, against an OpenID Connect issuer on loopback")
class OidcBearerVerifierTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    private static final String AUDIENCE = "service-manager";
    private static final RSAKey KEY = TestOidcIssuer.newRsaKey("key-1");

    private final MutableClock clock = new MutableClock(NOW);
    private TestOidcIssuer issuer;
    private OidcBearerVerifier verifier;

    @BeforeEach
    void start() throws Exception {
        issuer = new TestOidcIssuer();
        issuer.publish(KEY);
        verifier = builder().build();
    }

    @AfterEach
    void stop() {
        issuer.close();
    }

    private OidcBearerVerifier.Builder builder() {
        return OidcBearerVerifier.builder().issuer(issuer.issuer()).audience(AUDIENCE).clock(clock)
                .httpTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2));
    }

    private JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().issuer(issuer.issuer()).subject("user-42").audience(List.of(AUDIENCE))
                .issueTime(Date.from(NOW)).notBeforeTime(Date.from(NOW))
                .expirationTime(Date.from(NOW.plus(Duration.ofMinutes(15))))
                .claim("scope", List.of("openid", "service_manager.admin"));
    }

    private String token(JWTClaimsSet.Builder claims) {
        return TestOidcIssuer.sign(KEY, new JOSEObjectType("at+jwt"), claims.build());
    }

    private void assertRejected(String token, String reason) {
        assertThatThrownBy(() -> verifier.verify(token))
                .isInstanceOf(InvalidBearerTokenException.class)
                .hasMessage(reason);
    }

    @Test
    @DisplayName("a valid token yields its subject, name, client, admin role and expiry")
    void validToken() {
        VerifiedToken t = verifier.verify(token(claims().claim("user_name", "alice").claim("client_id", "cf")));
        assertThat(t).isEqualTo(new VerifiedToken("user-42", "alice", "cf", Role.ADMIN, NOW.plus(Duration.ofMinutes(15))));
        assertThat(verifier.issuerUrl()).isEqualTo(issuer.issuer());
        assertThat(verifier.tokenBasicAuth()).isTrue();
    }

    @Test
    @DisplayName("typ JWT and an absent typ are accepted like at+jwt")
    void typJwtOrAbsent() {
        assertThat(verifier.verify(TestOidcIssuer.sign(KEY, JOSEObjectType.JWT, claims().build())).subject()).isEqualTo("user-42");
        assertThat(verifier.verify(TestOidcIssuer.sign(KEY, null, claims().jwtID("other").build())).subject()).isEqualTo("user-42");
    }

    @Test
    @DisplayName("typ is compared case-insensitively, as media types are")
    void typCaseInsensitive() {
        assertThat(verifier.verify(TestOidcIssuer.sign(KEY, new JOSEObjectType("application/AT+JWT"), claims().build())).subject())
                .isEqualTo("user-42");
    }

    @Test
    @DisplayName("a token typed as something else (e.g. a refresh token, rt+jwt) is refused")
    void otherTypRefused() {
        assertRejected(TestOidcIssuer.sign(KEY, new JOSEObjectType("rt+jwt"), claims().build()),
                AccessTokenVerifier.NOT_AN_ACCESS_TOKEN);
    }

    @Test
    @DisplayName("a token expired longer ago than the clock skew is refused as expired")
    void expiredBeyondSkew() {
        String token = token(claims().expirationTime(Date.from(NOW.minusSeconds(61))));
        assertRejected(token, AccessTokenVerifier.EXPIRED);
    }

    @Test
    @DisplayName("a token expired within the clock skew is still accepted")
    void expiredWithinSkew() {
        String token = token(claims().expirationTime(Date.from(NOW.minusSeconds(59))));
        assertThat(verifier.verify(token).subject()).isEqualTo("user-42");
    }

    @Test
    @DisplayName("the injected clock decides expiry, not the system clock")
    void injectedClockCounts() {
        String token = token(claims());
        clock.advance(Duration.ofMinutes(17));
        assertRejected(token, AccessTokenVerifier.EXPIRED);
    }

    @Test
    @DisplayName("a token whose nbf lies beyond the clock skew is refused as not yet valid")
    void notYetValid() {
        assertRejected(token(claims().notBeforeTime(Date.from(NOW.plusSeconds(120)))), AccessTokenVerifier.NOT_YET_VALID);
    }

    @Test
    @DisplayName("a token whose nbf lies within the clock skew is accepted")
    void notBeforeWithinSkew() {
        assertThat(verifier.verify(token(claims().notBeforeTime(Date.from(NOW.plusSeconds(30))))).subject()).isEqualTo("user-42");
    }

    @Test
    @DisplayName("a token for another audience is refused")
    void wrongAudience() {
        assertRejected(token(claims().audience(List.of("someone-else"))), AccessTokenVerifier.WRONG_AUDIENCE);
    }

    @Test
    @DisplayName("with skipAudienceCheck() any audience, or none, is accepted")
    void skipAudience() {
        OidcBearerVerifier anyAudience = OidcBearerVerifier.builder().issuer(issuer.issuer()).skipAudienceCheck().clock(clock).build();
        assertThat(anyAudience.verify(token(claims().audience(List.of("someone-else")))).role()).isEqualTo(Role.ADMIN);
        assertThat(anyAudience.verify(token(claims().audience((String) null))).role()).isEqualTo(Role.ADMIN);
    }

    @Test
    @DisplayName("a token of another issuer is refused")
    void wrongIssuer() {
        assertRejected(token(claims().issuer("https://evil.example/oauth/token")), AccessTokenVerifier.WRONG_ISSUER);
    }

    @Test
    @DisplayName("a token without exp is refused")
    void missingExp() {
        assertRejected(token(claims().expirationTime(null)), AccessTokenVerifier.MISSING_CLAIM);
    }

    @Test
    @DisplayName("a token without sub is refused")
    void missingSub() {
        assertRejected(token(claims().subject(null)), AccessTokenVerifier.MISSING_CLAIM);
    }

    @Test
    @DisplayName("a token signed with a key the issuer does not publish is refused as unknown key")
    void unknownKey() {
        String token = TestOidcIssuer.sign(TestOidcIssuer.newRsaKey("stranger"), null, claims().build());
        assertRejected(token, AccessTokenVerifier.UNKNOWN_KEY);
    }

    @Test
    @DisplayName("a token whose payload was changed after signing is refused as bad signature")
    void tamperedPayload() throws Exception {
        String[] parts = token(claims().claim("scope", List.of("service_manager.read"))).split("\\.");
        String forged = Base64URL.encode(claims().build().toString()).toString();
        assertRejected(parts[0] + "." + forged + "." + parts[2], AccessTokenVerifier.BAD_SIGNATURE);
    }

    @Test
    @DisplayName("a token signed by a different key under a published kid is refused as bad signature")
    void impostorKeyUnderKnownKid() {
        String token = TestOidcIssuer.sign(TestOidcIssuer.newRsaKey(KEY.getKeyID()), null, claims().build());
        assertRejected(token, AccessTokenVerifier.BAD_SIGNATURE);
    }

    @Test
    @DisplayName("an unsigned token (alg none) is refused")
    void algNone() {
        assertRejected(new PlainJWT(claims().build()).serialize(), AccessTokenVerifier.UNSUPPORTED_ALGORITHM);
    }

    @Test
    @DisplayName("an HS256 token whose secret is the issuer's public key is refused")
    void hs256WithPublicKey() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(KEY.getKeyID()).build(), claims().build());
        jwt.sign(new MACSigner(KEY.toRSAPublicKey().getEncoded()));
        assertRejected(jwt.serialize(), AccessTokenVerifier.UNSUPPORTED_ALGORITHM);
    }

    @Test
    @DisplayName("garbage is refused as malformed")
    void garbage() {
        assertRejected("not-a-token", AccessTokenVerifier.MALFORMED);
        assertRejected("a.b.c", AccessTokenVerifier.MALFORMED);
        assertRejected("", AccessTokenVerifier.MALFORMED);
        assertRejected("..", AccessTokenVerifier.MALFORMED);
        assertRejected("a.b", AccessTokenVerifier.MALFORMED);
        String header = Base64URL.encode("{\"alg\":\"RS256\",\"kid\":\"key-1\"}").toString();
        assertRejected(header + "." + Base64URL.encode("not json").toString() + ".c2ln", AccessTokenVerifier.MALFORMED);
        assertRejected(header + "." + Base64URL.encode("[1,2]").toString() + ".c2ln", AccessTokenVerifier.MALFORMED);
        assertRejected(Base64URL.encode("{\"alg\":\"RS256\",\"crit\":\"x\"}") + ".e30.c2ln", AccessTokenVerifier.MALFORMED);
        assertRejected("\u00e9\u00e9.\u00e9.\u00e9", AccessTokenVerifier.MALFORMED);
    }

    @Test
    @DisplayName("a token longer than 16 KiB is refused before parsing")
    void oversized() {
        int before = issuer.jwksRequests();
        assertRejected("a".repeat(AccessTokenVerifier.MAX_TOKEN_LENGTH + 1), AccessTokenVerifier.TOO_LONG);
        assertThat(issuer.jwksRequests()).isEqualTo(before);
    }

    @Test
    @DisplayName("an ES256 token of a published EC key is accepted")
    void es256() {
        ECKey ec = issuer.publish(TestOidcIssuer.newEcKey("ec-1"));
        assertThat(verifier.verify(TestOidcIssuer.sign(ec, null, claims().build())).role()).isEqualTo(Role.ADMIN);
    }

    @Test
    @DisplayName("scope as a JSON array: service_manager.admin wins over service_manager.read")
    void scopeArrayAdminWins() {
        assertThat(verifier.verify(token(claims().claim("scope", List.of("service_manager.read", "service_manager.admin")))).role())
                .isEqualTo(Role.ADMIN);
    }

    @Test
    @DisplayName("scope as a space-separated string: service_manager.read gives read-only")
    void scopeString() {
        assertThat(verifier.verify(token(claims().claim("scope", "openid service_manager.read profile"))).role())
                .isEqualTo(Role.READ_ONLY);
    }

    @Test
    @DisplayName("scp as a JSON array is read too")
    void scpArray() {
        assertThat(verifier.verify(token(claims().claim("scope", null).claim("scp", List.of("service_manager.admin")))).role())
                .isEqualTo(Role.ADMIN);
    }

    @Test
    @DisplayName("a valid token without a Service Manager scope is accepted with no role")
    void noScopeNoRole() {
        assertThat(verifier.verify(token(claims().claim("scope", List.of("openid", "other.admin")))).role()).isNull();
    }

    @Test
    @DisplayName("the scope prefix is configurable")
    void customPrefix() {
        OidcBearerVerifier custom = builder().scopePrefix("sm").build();
        assertThat(custom.verify(token(claims().claim("scope", "sm.read"))).role()).isEqualTo(Role.READ_ONLY);
        assertThat(custom.verify(token(claims().claim("scope", "service_manager.admin"))).role()).isNull();
    }

    @Test
    @DisplayName("the name is user_name, else client_id, else cid, else sub; never the user-editable preferred_username or email")
    void nameOrder() {
        assertThat(verifier.verify(token(claims().claim("user_name", "alice").claim("client_id", "c1"))).name()).isEqualTo("alice");
        assertThat(verifier.verify(token(claims().claim("preferred_username", "admin").claim("email", "admin@x")
                .claim("client_id", "c1"))).name()).isEqualTo("c1");
        assertThat(verifier.verify(token(claims().claim("preferred_username", "admin").claim("email", "admin@x")))
                .name()).isEqualTo("user-42");
        assertThat(verifier.verify(token(claims().claim("client_id", "c1"))).name()).isEqualTo("c1");
        assertThat(verifier.verify(token(claims().claim("cid", "c2"))).name()).isEqualTo("c2");
        assertThat(verifier.verify(token(claims())).name()).isEqualTo("user-42");
    }

    @Test
    @DisplayName("a key published later is accepted after exactly one JWKS refetch")
    void rotation() {
        verifier.verify(token(claims()));
        assertThat(issuer.jwksRequests()).isEqualTo(1);
        RSAKey next = issuer.publish(TestOidcIssuer.newRsaKey("key-2"));
        assertThat(verifier.verify(TestOidcIssuer.sign(next, null, claims().build())).subject()).isEqualTo("user-42");
        assertThat(issuer.jwksRequests()).isEqualTo(2);
        verifier.verify(TestOidcIssuer.sign(next, null, claims().jwtID("again").build()));
        assertThat(issuer.jwksRequests()).isEqualTo(2);
    }

    @Test
    @DisplayName("a flood of unknown kids causes at most one JWKS refetch per refetch interval")
    void unknownKidFloodIsRateLimited() {
        verifier.verify(token(claims()));
        int before = issuer.jwksRequests();
        RSAKey stranger = TestOidcIssuer.newRsaKey("unused");
        for (int i = 0; i < 50; i++) {
            String token = TestOidcIssuer.sign(new RSAKey.Builder(stranger).keyID("made-up-" + i).build(), null, claims().build());
            assertRejected(token, AccessTokenVerifier.UNKNOWN_KEY);
        }
        assertThat(issuer.jwksRequests() - before).isLessThanOrEqualTo(1);
    }

    @Test
    @DisplayName("a second verify of the same token makes no JWKS request and returns the same result")
    void cacheHit() {
        String token = token(claims());
        VerifiedToken first = verifier.verify(token);
        int requests = issuer.jwksRequests();
        VerifiedToken second = verifier.verify(token);
        assertThat(second).isSameAs(first);
        assertThat(issuer.jwksRequests()).isEqualTo(requests);
    }

    @Test
    @DisplayName("a cached token is refused once the clock passes its expiry plus skew")
    void cachedTokenExpires() {
        String token = token(claims());
        verifier.verify(token);
        clock.advance(Duration.ofMinutes(15).plusSeconds(59));
        assertThat(verifier.verify(token).subject()).isEqualTo("user-42");
        clock.advance(Duration.ofSeconds(1));
        assertRejected(token, AccessTokenVerifier.EXPIRED);
    }

    @Test
    @DisplayName("a refused token is not remembered: once its nbf is reached it is accepted")
    void failuresAreNotCached() {
        String token = token(claims().notBeforeTime(Date.from(NOW.plusSeconds(120))));
        assertRejected(token, AccessTokenVerifier.NOT_YET_VALID);
        clock.advance(Duration.ofSeconds(60));
        assertRejected(token, AccessTokenVerifier.NOT_YET_VALID);
        clock.advance(Duration.ofSeconds(1));
        assertThat(verifier.verify(token).subject()).isEqualTo("user-42");
    }

    @Test
    @DisplayName("when the issuer's JWKS cannot be refetched for a new kid the answer is 503 with Retry-After, not an invalid token")
    void keysUnavailable() {
        String token = TestOidcIssuer.sign(TestOidcIssuer.newRsaKey("new-key"), null, claims().build());
        issuer.close();
        assertThatThrownBy(() -> verifier.verify(token))
                .isInstanceOfSatisfying(ServiceUnavailableException.class,
                        e -> assertThat(e.retryAfterSeconds()).isPositive())
                .hasMessage(AccessTokenVerifier.KEYS_UNAVAILABLE)
                .isNotInstanceOf(InvalidBearerTokenException.class);
    }

    @Test
    @DisplayName("while the issuer is down, tokens of keys read before keep verifying")
    void outageKeepsKnownKeys() {
        String token = token(claims());
        issuer.close();
        assertThat(verifier.verify(token).subject()).isEqualTo("user-42");
        assertThat(verifier.verify(token(claims().jwtID("not-cached"))).subject()).isEqualTo("user-42");
    }

    @Test
    @DisplayName("many threads verifying shared and distinct tokens at once all get the right answer")
    void concurrentUse() throws Exception {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            tokens.add(token(claims().subject("user-" + i).claim("scope", i % 2 == 0 ? "service_manager.admin" : "service_manager.read")));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    for (int round = 0; round < 50; round++) {
                        for (int i = 0; i < tokens.size(); i++) {
                            VerifiedToken v = verifier.verify(tokens.get(i));
                            if (!v.subject().equals("user-" + i) || v.role() != (i % 2 == 0 ? Role.ADMIN : Role.READ_ONLY)) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) {
                assertThat(r.get(60, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(issuer.jwksRequests()).isEqualTo(1);
    }

    @Test
    @DisplayName("a trailing slash on the configured issuer is dropped")
    void trailingSlash() {
        OidcBearerVerifier v = builder().issuer(issuer.issuer() + "/").build();
        assertThat(v.issuerUrl()).isEqualTo(issuer.issuer());
        assertThat(v.verify(token(claims())).subject()).isEqualTo("user-42");
    }

    @Test
    @DisplayName("build() without an issuer fails naming it")
    void noIssuer() {
        assertThatThrownBy(() -> OidcBearerVerifier.builder().audience(AUDIENCE).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("issuer is required");
    }

    @Test
    @DisplayName("an issuer that is not an http(s) URL is refused naming the value")
    void badIssuerUrl() {
        assertThatThrownBy(() -> OidcBearerVerifier.builder().issuer("ftp://x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ftp://x");
    }

    @Test
    @DisplayName("build() without an audience and without skipAudienceCheck() fails")
    void noAudience() {
        assertThatThrownBy(() -> OidcBearerVerifier.builder().issuer(issuer.issuer()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("audience is required");
    }

    @Test
    @DisplayName("build() fails when discovery names another issuer")
    void discoveryIssuerMismatch() {
        issuer.discoveryIssuer("https://elsewhere.example/oauth/token");
        assertThatThrownBy(() -> builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("https://elsewhere.example/oauth/token")
                .hasMessageContaining("not the configured " + issuer.issuer());
    }

    @Test
    @DisplayName("build() fails when discovery has no jwks_uri")
    void discoveryWithoutJwks() {
        issuer.discoveryBody("{\"issuer\":\"" + issuer.issuer() + "\"}");
        assertThatThrownBy(() -> builder().build()).isInstanceOf(IllegalStateException.class).hasMessageContaining("no jwks_uri");
    }

    @Test
    @DisplayName("build() reads the JWKS, so the first token costs no fetch")
    void jwksReadAtBuild() {
        assertThat(issuer.jwksRequests()).isEqualTo(1);
        verifier.verify(token(claims()));
        assertThat(issuer.jwksRequests()).isEqualTo(1);
    }

    @Test
    @DisplayName("build() fails when the jwks_uri does not answer a key set")
    void brokenJwksUri() {
        String jwks = issuer.issuer().replace("/oauth/token", "/nothing-here");
        issuer.discoveryBody("{\"issuer\":\"" + issuer.issuer() + "\",\"jwks_uri\":\"" + jwks + "\"}");
        assertThatThrownBy(() -> builder().build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the JWKS at " + jwks).hasMessageContaining("could not be read");
    }

    @Test
    @DisplayName("build() fails when discovery is not JSON")
    void discoveryNotJson() {
        issuer.discoveryBody("<html>hello</html>");
        assertThatThrownBy(() -> builder().build()).isInstanceOf(IllegalStateException.class).hasMessageContaining("not JSON");
    }

    @Test
    @DisplayName("build() fails when the issuer is unreachable")
    void unreachable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThatThrownBy(() -> OidcBearerVerifier.builder().issuer("http://127.0.0.1:" + port + "/oauth").audience(AUDIENCE)
                        .httpTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unreachable")
                .hasMessageContaining("http://127.0.0.1:" + port + "/oauth/.well-known/openid-configuration");
    }

    @Test
    @DisplayName("a jwks_uri that redirects is not followed: build() fails")
    void jwksRedirectNotFollowed() {
        String moved = issuer.issuer().replace("/oauth/token", "/moved/token_keys");
        issuer.discoveryBody("{\"issuer\":\"" + issuer.issuer() + "\",\"jwks_uri\":\"" + moved + "\"}");
        assertThatThrownBy(() -> builder().build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the JWKS at " + moved).hasMessageContaining("could not be read");
        assertThat(issuer.jwksRequests()).isEqualTo(1);
    }

    @Test
    @DisplayName("a plain-http issuer off loopback is refused at build, naming it, before any request")
    void plainHttpOffLoopback() {
        assertThatThrownBy(() -> OidcBearerVerifier.builder().issuer("http://uaa.example.com/oauth/token")
                        .audience(AUDIENCE).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("http://uaa.example.com/oauth/token").hasMessageContaining("allowInsecureHttp()");
    }

    @Test
    @DisplayName("allowInsecureHttp() lets a plain-http issuer off loopback through (build then fails only because it is unreachable)")
    void allowInsecureHttp() {
        assertThatThrownBy(() -> OidcBearerVerifier.builder().issuer("http://uaa.invalid/oauth/token").audience(AUDIENCE)
                        .allowInsecureHttp().httpTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unreachable")
                .hasMessageNotContaining("allowInsecureHttp");
    }

    @Test
    @DisplayName("a plain-http jwks_uri off loopback is refused, naming it")
    void plainHttpJwksUri() {
        issuer.discoveryBody("{\"issuer\":\"" + issuer.issuer() + "\",\"jwks_uri\":\"http://keys.example.com/jwks\"}");
        assertThatThrownBy(() -> builder().build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("jwks_uri http://keys.example.com/jwks").hasMessageContaining("not loopback");
    }

    @Test
    @DisplayName("scope(role) names the configured prefix's scopes")
    void scopeOfRole() {
        OidcBearerVerifier custom = builder().scopePrefix("sm").build();
        assertThat(custom.scope(Role.ADMIN)).isEqualTo("sm.admin");
        assertThat(custom.scope(Role.READ_ONLY)).isEqualTo("sm.read");
        assertThat(verifier.scope(Role.ADMIN)).isEqualTo("service_manager.admin");
    }

    @Test
    @DisplayName("a JWKS refetch interval not shorter than the key cache time is refused")
    void refetchIntervalTooLong() {
        assertThatThrownBy(() -> builder().jwksRefetchInterval(Duration.ofMinutes(5)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("PT5M");
        assertThatThrownBy(() -> builder().jwksCacheTime(Duration.ofSeconds(20)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("PT30S").hasMessageContaining("PT20S");
    }
}
