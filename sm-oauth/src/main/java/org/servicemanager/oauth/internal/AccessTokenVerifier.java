package org.servicemanager.oauth.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.util.events.EventListener;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.servicemanager.api.InvalidBearerTokenException;
import org.servicemanager.api.ServiceUnavailableException;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.security.VerifiedToken;

/**
 * Checks a compact JWS access token against a key source, an issuer and audiences, and maps its
 * scopes to a {@link Role}. Thread-safe: the nimbus processor is immutable once configured and the
 * cache is concurrent.
 *
 * <p>Only asymmetric algorithms are accepted (RS*, PS*, ES256/384/512), which is what blocks
 * {@code alg: none} and HS256 tokens "signed" with the issuer's public key. {@code typ} must be
 * {@code JWT}, {@code at+jwt} or absent, so a refresh token ({@code rt+jwt}) is never an access
 * token. {@code exp}, {@code iss}, {@code sub} (and {@code aud} unless audiences are empty) are
 * required; {@code exp} and {@code nbf} allow the clock skew, measured on the injected clock.
 *
 * <p>Successful verifications are cached (keyed by the token's SHA-256, at most {@value #CACHE_SIZE}
 * entries, each at most until the token expires and at most five minutes), because an RSA
 * verification costs tens of microseconds and every API call with a token passes here. Failures are
 * not cached: a flood of distinct bad tokens costs CPU but no memory.
 *
 * <p>When the key source cannot be read (an external issuer unreachable, beyond what its outage
 * copy of the keys covers) the answer is a {@code ServiceUnavailableException} (503), never an
 * invalid token: the token may well be valid, and a 401 would count as a failed login.
 */
public final class AccessTokenVerifier {

    /** Reasons shown to clients (401 body and {@code error_description}); never the token. */
    public static final String EXPIRED = "the token has expired";
    public static final String NOT_YET_VALID = "the token is not yet valid";
    public static final String BAD_SIGNATURE = "the token's signature is invalid";
    public static final String UNKNOWN_KEY = "the token is signed with an unknown key";
    public static final String WRONG_ISSUER = "the token was issued by another issuer";
    public static final String WRONG_AUDIENCE = "the token is meant for another audience";
    public static final String MALFORMED = "the token is malformed";
    public static final String UNSUPPORTED_ALGORITHM = "the token's signing algorithm is not accepted";
    public static final String MISSING_CLAIM = "the token lacks a required claim (exp, iss, aud or sub)";
    public static final String NOT_AN_ACCESS_TOKEN = "the token is not an access token";
    public static final String TOO_LONG = "the token is too long";
    public static final String BAD_TENANT = "the token's tenant claim is not a tenant name (a non-empty string "
            + "of at most 255 characters without line breaks)";
    /** Not a verdict on the token: the message of the 503 when the issuer's keys cannot be read. */
    public static final String KEYS_UNAVAILABLE = "the token issuer's signing keys could not be fetched; retry shortly";
    /** Seconds a client should wait after {@link #KEYS_UNAVAILABLE}. */
    static final int KEYS_UNAVAILABLE_RETRY_SECONDS = 5;

    /** Longer tokens are refused before any parsing: no real access token comes near this. */
    public static final int MAX_TOKEN_LENGTH = 16 * 1024;

    static final int CACHE_SIZE = 10_000;
    private static final Duration MAX_CACHE_TIME = Duration.ofMinutes(5);

    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(
            JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512,
            JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);
    /** Accepted {@code typ} values, lower case: media types compare case-insensitively (RFC 7515 4.1.9). */
    private static final Set<String> TYPES = Set.of("jwt", "application/jwt", "at+jwt", "application/at+jwt");

    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    });

    private final String issuer;
    private final Set<String> audiences;
    private final Duration clockSkew;
    private final Scopes scopes;
    private final Clock clock;
    /** The claim naming the holder's tenant, or {@code null}: every holder is global. */
    private final String tenantClaim;
    private final DefaultJWTProcessor<SecurityContext> processor;
    private final Cache<CacheKey, VerifiedToken> verified;

    /**
     * @param keys        the issuer's public keys; asked again for an unknown {@code kid}
     * @param issuer      the exact {@code iss} tokens must carry
     * @param audiences   {@code aud} must contain one of these; empty: {@code aud} is not checked
     *                    (callers make that an explicit choice)
     * @param clockSkew   tolerance on {@code exp} and {@code nbf}, whole seconds, not negative
     * @param scopePrefix {@code <prefix>.admin} grants ADMIN, {@code <prefix>.read} READ_ONLY
     * @param clock       what "now" is for {@code exp}, {@code nbf} and cached tokens
     */
    public AccessTokenVerifier(JWKSource<SecurityContext> keys, String issuer, Set<String> audiences,
            Duration clockSkew, String scopePrefix, Clock clock) {
        this(keys, issuer, audiences, clockSkew, scopePrefix, clock, null);
    }

    /**
     * Like the other constructor; {@code tenantClaim} names the claim that carries the holder's
     * tenant ({@link VerifiedToken#tenant()}), {@code null} for none. A token without the claim is
     * global; one whose claim is not a tenant name is invalid, never global.
     */
    public AccessTokenVerifier(JWKSource<SecurityContext> keys, String issuer, Set<String> audiences,
            Duration clockSkew, String scopePrefix, Clock clock, String tenantClaim) {
        Objects.requireNonNull(keys, "keys");
        this.tenantClaim = tenantClaim;
        this.issuer = requireText(issuer, "issuer");
        this.audiences = Set.copyOf(Objects.requireNonNull(audiences, "audiences"));
        Objects.requireNonNull(clockSkew, "clockSkew");
        if (clockSkew.isNegative() || clockSkew.toSeconds() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("clockSkew must not be negative, was " + clockSkew);
        }
        this.clockSkew = Duration.ofSeconds(clockSkew.toSeconds());
        this.scopes = new Scopes(scopePrefix);
        this.clock = Objects.requireNonNull(clock, "clock");

        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        // typ is checked before processing (case-insensitively, which nimbus's verifier is not)
        p.setJWSTypeVerifier((type, context) -> { });
        p.setJWSKeySelector(new KnownKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys)));
        p.setJWTClaimsSetVerifier(new ClaimsVerifier());
        this.processor = p;
        this.verified = Caffeine.newBuilder()
                .maximumSize(CACHE_SIZE)
                .expireAfter(new UntilExpiry())
                .build();
    }

    /**
     * The holder of a valid token.
     *
     * @throws InvalidBearerTokenException with one of the reasons of this class
     * @throws ServiceUnavailableException when the issuer's keys cannot be fetched (the issuer or its
     *     JWKS is unreachable): not the token's fault, so not a 401 and not a failed login
     */
    public VerifiedToken verify(String token) {
        if (token == null || token.isBlank()) {
            throw new InvalidBearerTokenException(MALFORMED);
        }
        if (token.length() > MAX_TOKEN_LENGTH) {
            throw new InvalidBearerTokenException(TOO_LONG);
        }
        CacheKey key = CacheKey.of(token);
        VerifiedToken cached = verified.getIfPresent(key);
        if (cached != null) {
            // The cache's own timer is nanoTime; the injected clock is what decides expiry.
            if (!clock.instant().isBefore(cached.expiresAt().plus(clockSkew))) {
                verified.invalidate(key);
                throw new InvalidBearerTokenException(EXPIRED);
            }
            return cached;
        }
        VerifiedToken fresh = verifyUncached(token);
        verified.put(key, fresh);
        return fresh;
    }

    private VerifiedToken verifyUncached(String token) {
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException | RuntimeException e) {
            // RuntimeException: whatever odd input slips past the parser's own checks is still just malformed
            throw new InvalidBearerTokenException(MALFORMED);
        }
        if (!(jwt instanceof SignedJWT signed)) {
            // alg "none" parses as a PlainJWT, an encrypted token as an EncryptedJWT
            throw new InvalidBearerTokenException(UNSUPPORTED_ALGORITHM);
        }
        JWSHeader header = signed.getHeader();
        if (!ALGORITHMS.contains(header.getAlgorithm())) {
            throw new InvalidBearerTokenException(UNSUPPORTED_ALGORITHM);
        }
        if (header.getType() != null && !TYPES.contains(header.getType().getType().toLowerCase(Locale.ROOT))) {
            throw new InvalidBearerTokenException(NOT_AN_ACCESS_TOKEN);
        }
        try {
            signed.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new InvalidBearerTokenException(MALFORMED);
        }
        JWTClaimsSet claims;
        Attempt attempt = new Attempt();
        try {
            claims = processor.process(signed, attempt);
        } catch (Rejected e) {
            throw new InvalidBearerTokenException(e.getMessage());
        } catch (UnknownKey | RateLimitReachedException e) {
            if (attempt.keysUnavailable) {
                // the refetch for this kid failed and only the outage copy of the keys answered
                throw unavailable();
            }
            throw new InvalidBearerTokenException(UNKNOWN_KEY);
        } catch (BadJWSException e) {
            throw new InvalidBearerTokenException(BAD_SIGNATURE);
        } catch (KeySourceException e) {
            throw unavailable();
        } catch (BadJOSEException e) {
            // what is left: no key of the accepted types matched the header
            throw new InvalidBearerTokenException(UNKNOWN_KEY);
        } catch (JOSEException e) {
            // e.g. a key too short for its algorithm: the token cannot be trusted
            throw new InvalidBearerTokenException(BAD_SIGNATURE);
        }
        return toVerified(claims);
    }

    /** The scope that grants {@code role} under the configured prefix. */
    public String scope(Role role) {
        return scopes.of(role);
    }

    private static ServiceUnavailableException unavailable() {
        return new ServiceUnavailableException(KEYS_UNAVAILABLE, KEYS_UNAVAILABLE_RETRY_SECONDS);
    }

    /**
     * A listener for nimbus's outage-tolerant key source: it marks the verification during which
     * the issuer could not be reached, so that a kid missing from the outage copy of the keys is
     * answered 503 (the issuer is down) rather than 401 (the key is unknown).
     */
    public static <S> EventListener<S, SecurityContext> outageListener() {
        return event -> {
            if (event.getContext() instanceof Attempt attempt) {
                attempt.keysUnavailable = true;
            }
        };
    }

    /** One verification's context, passed through nimbus to the key source's events. */
    private static final class Attempt implements SecurityContext {
        volatile boolean keysUnavailable;
    }

    private VerifiedToken toVerified(JWTClaimsSet claims) {
        Role role = scopes.roleOf(scopes(claims));
        String clientId = firstString(claims, "client_id", "cid", "azp");
        // Not preferred_username or email: at many issuers users may edit those, and the name is
        // what the audit log and 403 texts show.
        String name = firstString(claims, "user_name", "client_id", "cid");
        String subject = claims.getSubject();
        return new VerifiedToken(subject, name == null ? subject : name, clientId, role,
                claims.getExpirationTime().toInstant(), tenant(claims));
    }

    /** A malformed tenant claim fails the token: reading it as absent would make its holder global. */
    private Optional<String> tenant(JWTClaimsSet claims) {
        if (tenantClaim == null || claims.getClaim(tenantClaim) == null) {
            return Optional.empty();
        }
        if (claims.getClaim(tenantClaim) instanceof String s && !s.isEmpty() && s.length() <= 255
                && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return Optional.of(s);
        }
        throw new InvalidBearerTokenException(BAD_TENANT);
    }

    /** {@code scope} as a JSON array (UAA) or a space-separated string (RFC 9068), and {@code scp}. */
    private static Set<String> scopes(JWTClaimsSet claims) {
        Set<String> scopes = new HashSet<>();
        addScopes(scopes, claims.getClaim("scope"));
        addScopes(scopes, claims.getClaim("scp"));
        return scopes;
    }

    private static void addScopes(Set<String> into, Object value) {
        if (value instanceof String text) {
            for (String s : text.trim().split("\\s+")) {
                if (!s.isEmpty()) {
                    into.add(s);
                }
            }
        } else if (value instanceof Collection<?> list) {
            for (Object o : list) {
                if (o instanceof String s) {
                    into.add(s);
                }
            }
        }
    }

    private static String firstString(JWTClaimsSet claims, String... names) {
        for (String n : names) {
            if (claims.getClaim(n) instanceof String s && !s.isBlank()) {
                return s;
            }
        }
        return null;
    }

    private static String requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be empty, was " + (value == null ? "null" : "'" + value + "'"));
        }
        return value;
    }

    /**
     * nimbus's claim checks, with "now" from the injected clock and a failure that says which rule
     * broke (decided from the claims, not from nimbus's message texts).
     */
    private final class ClaimsVerifier extends DefaultJWTClaimsVerifier<SecurityContext> {
        ClaimsVerifier() {
            super(audiences.isEmpty() ? null : audiences,
                    new JWTClaimsSet.Builder().issuer(issuer).build(),
                    audiences.isEmpty() ? Set.of("exp", "iss", "sub") : Set.of("exp", "iss", "aud", "sub"),
                    Set.of());
            setMaxClockSkew((int) clockSkew.toSeconds());
        }

        @Override
        protected Date currentTime() {
            return Date.from(clock.instant());
        }

        @Override
        public void verify(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
            try {
                super.verify(claims, context);
            } catch (BadJWTException e) {
                throw new Rejected(reason(claims));
            }
            if (claims.getSubject() == null || claims.getSubject().isBlank()) {
                throw new Rejected(MISSING_CLAIM);
            }
        }

        private String reason(JWTClaimsSet claims) {
            if (claims.getExpirationTime() == null || claims.getIssuer() == null || claims.getSubject() == null
                    || (!audiences.isEmpty() && claims.getAudience().isEmpty())) {
                return MISSING_CLAIM;
            }
            // the same boundaries as nimbus: valid while exp + skew > now and nbf - skew < now
            Instant now = clock.instant();
            if (!claims.getExpirationTime().toInstant().plus(clockSkew).isAfter(now)) {
                return EXPIRED;
            }
            if (claims.getNotBeforeTime() != null && !claims.getNotBeforeTime().toInstant().minus(clockSkew).isBefore(now)) {
                return NOT_YET_VALID;
            }
            if (!issuer.equals(claims.getIssuer())) {
                return WRONG_ISSUER;
            }
            if (!audiences.isEmpty() && claims.getAudience().stream().noneMatch(audiences::contains)) {
                return WRONG_AUDIENCE;
            }
            return MALFORMED;
        }
    }

    /** A claims rule broke; the message is one of the reasons above. */
    private static final class Rejected extends BadJWTException {
        private static final long serialVersionUID = 1L;

        Rejected(String reason) {
            super(reason);
        }
    }

    /** The key source, after any refetch it allows, has no key for the token's kid and algorithm. */
    private static final class UnknownKey extends KeySourceException {
        private static final long serialVersionUID = 1L;

        UnknownKey() {
            super(UNKNOWN_KEY);
        }
    }

    /** Tells "no such key" apart from "keys unavailable", which nimbus reports alike. */
    private static final class KnownKeySelector implements JWSKeySelector<SecurityContext> {
        private final JWSVerificationKeySelector<SecurityContext> delegate;

        KnownKeySelector(JWSVerificationKeySelector<SecurityContext> delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<? extends Key> selectJWSKeys(JWSHeader header, SecurityContext context) throws KeySourceException {
            List<Key> keys = new ArrayList<>(delegate.selectJWSKeys(header, context));
            if (keys.isEmpty()) {
                throw new UnknownKey();
            }
            return keys;
        }
    }

    /** Keeps a verified token until it expires (plus skew), and never longer than five minutes. */
    private final class UntilExpiry implements Expiry<CacheKey, VerifiedToken> {
        @Override
        public long expireAfterCreate(CacheKey key, VerifiedToken value, long currentTime) {
            Duration left = Duration.between(clock.instant(), value.expiresAt().plus(clockSkew));
            if (left.isNegative()) {
                return 0;
            }
            return (left.compareTo(MAX_CACHE_TIME) > 0 ? MAX_CACHE_TIME : left).toNanos();
        }

        @Override
        public long expireAfterUpdate(CacheKey key, VerifiedToken value, long currentTime, long currentDuration) {
            return expireAfterCreate(key, value, currentTime);
        }

        @Override
        public long expireAfterRead(CacheKey key, VerifiedToken value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }

    /** The token's SHA-256: 32 bytes per entry instead of the whole token. */
    private record CacheKey(long a, long b, long c, long d) {
        static CacheKey of(String token) {
            MessageDigest digest = SHA_256.get();
            ByteBuffer hash = ByteBuffer.wrap(digest.digest(token.getBytes(StandardCharsets.UTF_8)));
            return new CacheKey(hash.getLong(), hash.getLong(), hash.getLong(), hash.getLong());
        }
    }
}
