package org.servicemanager.oauth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.proc.JWSKeySelector;
import java.net.URI;
import java.security.Key;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.servicemanager.api.ServiceManagerException;
import org.servicemanager.api.ServiceUnavailableException;
import org.servicemanager.api.TooManyRequestsException;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.security.VerifiedToken;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.security.BasicCredentials;
import org.servicemanager.core.security.SecretHashes;
import org.servicemanager.core.security.TokenIssuer;
import org.servicemanager.oauth.internal.AccessTokenVerifier;
import org.servicemanager.oauth.internal.IssuerUrls;
import org.servicemanager.oauth.internal.Scopes;
import org.servicemanager.oauth.internal.StoreKeySet;
import org.servicemanager.oauth.internal.TokenForm;

/**
 * The Service Manager's own OAuth 2.0 authorization server, so that {@code smctl login} works
 * without an external identity provider. Under {@link #pathPrefix()} it serves OpenID Connect
 * discovery ({@code /.well-known/openid-configuration}), the public signing keys
 * ({@code /token_keys}) and the token endpoint ({@code /token}) with the grants
 * {@code password} (smctl's public client {@code cf}, no secret, checked against the Service
 * Manager's configured users; platforms never get a token), {@code client_credentials} (for the
 * clients given to {@link Builder#client}) and {@code refresh_token}.
 *
 * <p>Access tokens are JWTs ({@code typ: at+jwt}) signed with a key kept in the store, its
 * private part sealed with the Service Manager's cipher, so every node of a cluster signs with the
 * same key and verifies every node's tokens. Scopes {@code <prefix>.admin} and
 * {@code <prefix>.read} carry the roles. Refresh tokens (password grant only) are signed JWTs too
 * ({@code typ: rt+jwt}, audience the token endpoint, so never accepted as access tokens); they are
 * stateless and not single-use. A session ends at the refresh token's absolute expiry, counted from
 * the login (a refresh hands out a new refresh token with the same expiry, never a later one), when
 * the user's password or role changes (the token carries the user's credential stamp), when the
 * user is removed, or when the keys are {@link #rotate() rotated} (refresh tokens are accepted from
 * the signing key only).
 *
 * <p>Thread-safe once built. Give it to {@code ServiceManager.builder().tokenIssuer(...)}, which
 * calls {@link #start} before serving.
 */
public final class BuiltInIssuer implements TokenIssuer {
    /** smctl's default client: public, no secret, password and refresh grants only. */
    public static final String PUBLIC_CLIENT = "cf";
    private static final Duration CLOCK_SKEW = Duration.ofSeconds(60);
    private static final Duration KEY_RELOAD_INTERVAL = Duration.ofSeconds(30);
    private static final JOSEObjectType ACCESS_TYPE = new JOSEObjectType("at+jwt");
    private static final JOSEObjectType REFRESH_TYPE = new JOSEObjectType("rt+jwt");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The refresh token's claim with the user's credential stamp at login. */
    private static final String STAMP_CLAIM = "stamp";

    private final String issuerUrl;
    private final String pathPrefix;
    private final String audience;
    private final Duration accessTokenLifetime;
    private final Duration refreshTokenLifetime;
    private final JWSAlgorithm algorithm;
    private final Scopes scopes;
    private final boolean tokenBasicAuth;
    private final Map<String, Client> clients;
    private final byte[] discovery;
    private volatile Started started;

    /** A confidential client: its secret's hash (checked by the Service Manager's users) and role. */
    private record Client(String secretHash, Role role) {
    }

    /**
     * What a refresh token carries over from the login: when the user authenticated, when the
     * session ends (absolute), and the user's credential stamp then.
     */
    private record Session(Instant authTime, Instant expiresAt, String stamp) {
    }

    /** What {@link #start} sets up; the issuer answers nothing before. */
    private record Started(Context context, StoreKeySet keys, AccessTokenVerifier verifier,
            DefaultJWTProcessor<SecurityContext> refreshTokens) {
    }

    private BuiltInIssuer(Builder b) {
        this.issuerUrl = b.issuerUrl;
        this.pathPrefix = b.pathPrefix;
        this.audience = b.audience;
        this.accessTokenLifetime = b.accessTokenLifetime;
        this.refreshTokenLifetime = b.refreshTokenLifetime;
        this.algorithm = b.algorithm;
        this.scopes = new Scopes(b.scopePrefix);
        this.tokenBasicAuth = b.tokenBasicAuth;
        this.clients = Map.copyOf(b.clients);
        // RFC 8414 authorization server metadata, saying only what is served: no authorization
        // endpoint, hence no response types; no ID tokens, hence none of OpenID's ID-token fields.
        // It is served under OpenID's path because that is where smctl looks (for token_endpoint).
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("issuer", issuerUrl);
        doc.put("token_endpoint", issuerUrl + "/token");
        doc.put("jwks_uri", issuerUrl + "/token_keys");
        doc.put("grant_types_supported", List.of("password", "client_credentials", "refresh_token"));
        doc.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post", "none"));
        doc.put("response_types_supported", List.of());
        doc.put("scopes_supported", scopes.all());
        this.discovery = json(doc);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String issuerUrl() {
        return issuerUrl;
    }

    @Override
    public boolean tokenBasicAuth() {
        return tokenBasicAuth;
    }

    @Override
    public String pathPrefix() {
        return pathPrefix;
    }

    /** The scope this issuer grants for {@code role}, under its configured prefix. */
    @Override
    public String scope(Role role) {
        return scopes.of(role);
    }

    /**
     * Reads the signing keys from {@code context.store()} (type {@code signing_keys}), creating and
     * storing one, sealed, when none signs yet.
     */
    @Override
    public void start(Context context) {
        Objects.requireNonNull(context, "context");
        Clock clock = context.clock();
        // A retired key keeps verifying the access tokens it signed until they expire; refresh
        // tokens are accepted from the signing key only, so it need not last longer.
        Duration keepRetired = accessTokenLifetime.plus(CLOCK_SKEW);
        StoreKeySet keys = new StoreKeySet(context.store(), context.cipher(),
                clock, algorithm, keepRetired, KEY_RELOAD_INTERVAL);
        keys.start();
        AccessTokenVerifier verifier = new AccessTokenVerifier(keys, issuerUrl, Set.of(audience), CLOCK_SKEW,
                scopes.prefix(), clock);
        DefaultJWTProcessor<SecurityContext> refresh = new DefaultJWTProcessor<>();
        refresh.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(REFRESH_TYPE));
        refresh.setJWSKeySelector(new SigningKeySelector(
                new JWSVerificationKeySelector<>(algorithm, keys.signingKeyOnly()),
                kid -> kid != null && keys.publicKeys().getKeyByKeyId(kid) != null));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(refreshAudience(),
                new JWTClaimsSet.Builder().issuer(issuerUrl).build(),
                Set.of("sub", "exp", "iat", "client_id", "auth_time", STAMP_CLAIM)) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        claims.setMaxClockSkew((int) CLOCK_SKEW.toSeconds());
        refresh.setJWTClaimsSetVerifier(claims);
        started = new Started(context, keys, verifier, refresh);
    }

    /**
     * Retires the signing key and creates a new one that signs from now on (on other nodes once they
     * re-read the keys, within 30 seconds; they accept the new key's tokens at once). Access tokens
     * signed with the old key stay valid until they expire; refresh tokens signed with it are refused
     * from now on, so a rotation ends every session (the kill switch after a leak).
     */
    public void rotate() {
        state().keys().rotate();
    }

    @Override
    public VerifiedToken verify(String token) {
        return state().verifier().verify(token);
    }

    @Override
    public SmResponse handle(SmRequest request) {
        Started s = state();
        String path = request.path();
        String rest = path.startsWith(pathPrefix) ? path.substring(pathPrefix.length()) : path;
        switch (rest) {
            case "/.well-known/openid-configuration":
                return readable(request) ? cacheable(request, discovery) : notAllowed("GET, HEAD");
            case "/token_keys":
                return readable(request)
                        ? cacheable(request, s.keys().publicKeys().toPublicJWKSet().toString(true)
                                .getBytes(StandardCharsets.UTF_8))
                        : notAllowed("GET, HEAD");
            case "/token":
                return request.method().equals("POST") ? token(s, request) : notAllowed("POST");
            default:
                return SmResponse.builder(404).header("Content-Type", "application/json")
                        .body(json(Map.of("error", "NotFound", "description", "there is nothing at " + path
                                + "; the token issuer serves " + pathPrefix + "/.well-known/openid-configuration, "
                                + pathPrefix + "/token_keys and " + pathPrefix + "/token")))
                        .build();
        }
    }

    private SmResponse token(Started s, SmRequest request) {
        String source = request.remoteAddress().orElse(null);
        Outcome outcome = new Outcome();
        try {
            SmResponse response = grant(s, request, source, outcome);
            s.context().audit(request, outcome.subject, outcome.action(), "issued");
            return response;
        } catch (OAuthError e) {
            s.context().audit(request, outcome.subject, outcome.action(), e.error);
            return e.response();
        } catch (TooManyRequestsException e) {
            s.context().audit(request, outcome.subject, outcome.action(), "too_many_requests");
            return noStore(SmResponse.builder(429).header("Retry-After", Integer.toString(e.retryAfterSeconds())),
                    Map.of("error", "too_many_requests", "error_description", e.getMessage()));
        } catch (ServiceUnavailableException e) {
            // too many password or secret checks at once: no verdict on the credentials
            s.context().audit(request, outcome.subject, outcome.action(), "temporarily_unavailable");
            return noStore(SmResponse.builder(503).header("Retry-After", Integer.toString(e.retryAfterSeconds())),
                    Map.of("error", "temporarily_unavailable", "error_description", e.getMessage()));
        }
    }

    /** Who asked for what, for the audit line, filled in as the request is understood. */
    private static final class Outcome {
        String subject;
        String grant;

        /** The grant type as the audit's action (one word: the audit line is space-separated), or null. */
        String action() {
            return grant;
        }
    }

    private SmResponse grant(Started s, SmRequest request, String source, Outcome outcome) {
        TokenForm form;
        try {
            form = TokenForm.parse(request.header("Content-Type").orElse(null), request.body());
        } catch (IllegalArgumentException e) {
            throw new OAuthError(400, "invalid_request", e.getMessage(), false);
        }
        outcome.grant = form.get("grant_type").orElse(null);
        String clientId = authenticateClient(s, request, form, source, outcome);
        String grantType = form.get("grant_type").orElseThrow(
                () -> new OAuthError(400, "invalid_request", "the parameter grant_type is missing", false));
        switch (grantType) {
            case "password":
                return passwordGrant(s, form, clientId, source, outcome);
            case "client_credentials":
                return clientCredentialsGrant(s, form, clientId);
            case "refresh_token":
                return refreshGrant(s, form, clientId, source, outcome);
            default:
                throw new OAuthError(400, "unsupported_grant_type", "the grant type " + grantType
                        + " is not supported; use password, client_credentials or refresh_token", false);
        }
    }

    /** The authenticated client's id (RFC 6749 2.3.1: Basic header or form fields, not both). */
    private String authenticateClient(Started s, SmRequest request, TokenForm form, String source, Outcome outcome) {
        Optional<String> header = request.header("Authorization");
        String id;
        String secret;
        boolean viaHeader = header.isPresent();
        if (viaHeader) {
            if (form.has("client_id") || form.has("client_secret")) {
                throw new OAuthError(400, "invalid_request", "the client authenticated twice: in the Authorization "
                        + "header and with client_id/client_secret in the body; use one", false);
            }
            BasicCredentials client = BasicCredentials.parse(header.get()).flatMap(BasicCredentials::formDecoded)
                    .orElseThrow(() -> new OAuthError(401, "invalid_client",
                            "the Authorization header must hold Basic client credentials", true));
            id = client.user();
            secret = client.password();
        } else {
            id = form.get("client_id").orElseThrow(() -> new OAuthError(401, "invalid_client",
                    "the client is not authenticated: send a Basic Authorization header or client_id", false));
            secret = form.get("client_secret").orElse("");
        }
        outcome.subject = id;
        boolean valid;
        if (PUBLIC_CLIENT.equals(id)) {
            valid = secret.isEmpty();
            if (!valid) {
                s.context().users().failed(id, source, "a secret for the public client at the token endpoint");
            }
        } else {
            // The Service Manager checks the secret as it checks passwords: the failed-login limit
            // first (no hashing over it), bounded concurrency, the failure logged; an unknown client
            // (null hash) as slowly as a wrong secret.
            Client client = clients.get(id);
            valid = s.context().users().checkSecret(id, secret, client == null ? null : client.secretHash(), source);
        }
        if (!valid) {
            throw new OAuthError(401, "invalid_client", "unknown client or wrong client secret", viaHeader);
        }
        return id;
    }

    private SmResponse passwordGrant(Started s, TokenForm form, String clientId, String source, Outcome outcome) {
        if (!PUBLIC_CLIENT.equals(clientId)) {
            throw new OAuthError(400, "unauthorized_client", "the client " + clientId
                    + " may use the client_credentials grant only", false);
        }
        String user = form.get("username").orElseThrow(
                () -> new OAuthError(400, "invalid_request", "the parameter username is missing", false));
        String password = form.get("password").orElseThrow(
                () -> new OAuthError(400, "invalid_request", "the parameter password is missing", false));
        outcome.subject = user;
        Role role = s.context().users().check(user, password, source).orElseThrow(
                () -> new OAuthError(400, "invalid_grant", "wrong user name or password", false));
        List<String> granted = narrow(scopes.granted(role), form);
        Instant now = s.context().clock().instant();
        // Without a stamp (the user vanished in between) no session can be checked later: no refresh token.
        Session session = s.context().users().credentialStamp(user)
                .map(stamp -> new Session(now, now.plus(refreshTokenLifetime), stamp)).orElse(null);
        return tokens(s, user, user, clientId, "password", granted, session);
    }

    private SmResponse clientCredentialsGrant(Started s, TokenForm form, String clientId) {
        Client client = clients.get(clientId);
        if (client == null) {
            throw new OAuthError(400, "unauthorized_client", "the client " + clientId
                    + " may use the password and refresh_token grants only", false);
        }
        // No refresh token: the client holds its secret and simply asks again (RFC 6749 4.4.3).
        return tokens(s, clientId, null, clientId, "client_credentials", narrow(scopes.granted(client.role()), form),
                null);
    }

    private SmResponse refreshGrant(Started s, TokenForm form, String clientId, String source, Outcome outcome) {
        String presented = form.get("refresh_token").orElseThrow(
                () -> new OAuthError(400, "invalid_request", "the parameter refresh_token is missing", false));
        // A rotation on another node must end sessions here too, not 30 s later.
        s.keys().readSoon();
        JWTClaimsSet claims;
        try {
            claims = s.refreshTokens().process(presented, null);
        } catch (NotSigningKey e) {
            // a genuine token of a rotated key is no guess: not a failed login
            throw new OAuthError(400, "invalid_grant", "the refresh token was signed with a retired key "
                    + "(the keys were rotated); log in again", false);
        } catch (ParseException | BadJOSEException | JOSEException | RuntimeException e) {
            // RuntimeException too: nimbus may throw one on odd input, which must not become a 500.
            s.context().users().failed(null, source, "invalid refresh token");
            throw new OAuthError(400, "invalid_grant", "the refresh token is invalid or expired; log in again", false);
        }
        String user = claims.getSubject();
        outcome.subject = user;
        String tokenClient = stringClaim(claims, "client_id");
        if (!clientId.equals(tokenClient)) {
            throw new OAuthError(400, "invalid_grant", "the refresh token was issued to another client", false);
        }
        Role role = s.context().users().currentRole(user).orElseThrow(
                () -> new OAuthError(400, "invalid_grant", "the user " + user + " no longer exists", false));
        List<String> granted;
        Session session;
        try {
            granted = Optional.ofNullable(claims.getStringListClaim("scope")).orElse(List.of());
            session = new Session(claims.getDateClaim("auth_time").toInstant(), claims.getExpirationTime().toInstant(),
                    s.context().cipher().decrypt(claims.getStringClaim(STAMP_CLAIM)));
        } catch (ParseException | RuntimeException e) {
            throw new OAuthError(400, "invalid_grant", "the refresh token is invalid; log in again", false);
        }
        if (!scopes.granted(role).containsAll(granted)) {
            throw new OAuthError(400, "invalid_grant", "the role of " + user + " changed to " + role.wireName()
                    + "; log in again", false);
        }
        Optional<String> stamp = s.context().users().credentialStamp(user);
        if (stamp.isEmpty()) {
            throw new OAuthError(400, "invalid_grant", "the user " + user + " no longer exists", false);
        }
        if (!stamp.get().equals(session.stamp())) {
            throw new OAuthError(400, "invalid_grant", "the password or role of " + user
                    + " changed since the login; log in again", false);
        }
        // The new refresh token keeps the login's expiry: sessions end, however often they refresh.
        return tokens(s, user, user, clientId, "refresh_token", narrow(granted, form), session);
    }

    private static String stringClaim(JWTClaimsSet claims, String name) {
        try {
            return claims.getStringClaim(name);
        } catch (ParseException e) {
            return null;
        }
    }

    /** The scopes of {@code allowed} the request's optional {@code scope} names; it may only narrow. */
    private List<String> narrow(List<String> allowed, TokenForm form) {
        Optional<String> requested = form.get("scope");
        if (requested.isEmpty()) {
            return allowed;
        }
        Set<String> wanted = new LinkedHashSet<>(List.of(requested.get().trim().split(" +")));
        for (String scope : wanted) {
            if (!allowed.contains(scope)) {
                throw new OAuthError(400, "invalid_scope", "the scope " + scope + " is not granted; allowed: "
                        + String.join(" ", allowed), false);
            }
        }
        return allowed.stream().filter(wanted::contains).toList();
    }

    private String refreshAudience() {
        return issuerUrl + "/token";
    }

    /** The token answer; with a refresh token when {@code session} is given. */
    private SmResponse tokens(Started s, String subject, String userName, String clientId, String grant,
            List<String> scopes, Session session) {
        Instant now = s.context().clock().instant();
        StoreKeySet.Signer signer = s.keys().signer();
        JWTClaimsSet.Builder access = new JWTClaimsSet.Builder()
                .issuer(issuerUrl)
                .subject(subject)
                .audience(List.of(audience))
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(accessTokenLifetime)))
                .jwtID(UUID.randomUUID().toString())
                .claim("scope", scopes)
                .claim("client_id", clientId)
                .claim("cid", clientId)
                .claim("grant_type", grant);
        if (userName != null) {
            access.claim("user_name", userName);
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("access_token", sign(signer, ACCESS_TYPE, access.build()));
        answer.put("token_type", "bearer");
        answer.put("expires_in", accessTokenLifetime.toSeconds());
        answer.put("scope", String.join(" ", scopes));
        if (session != null) {
            JWTClaimsSet refresh = new JWTClaimsSet.Builder()
                    .issuer(issuerUrl)
                    .subject(subject)
                    .audience(refreshAudience())
                    .issueTime(Date.from(now))
                    .expirationTime(Date.from(session.expiresAt()))
                    .claim("auth_time", session.authTime().getEpochSecond())
                    .jwtID(UUID.randomUUID().toString())
                    .claim("scope", scopes)
                    .claim("client_id", clientId)
                    // Sealed: a token's holder can read its claims, and the stamp is derived from
                    // the password; the cipher's key is the same on every node.
                    .claim(STAMP_CLAIM, s.context().cipher().encrypt(session.stamp()))
                    .build();
            answer.put("refresh_token", sign(signer, REFRESH_TYPE, refresh));
        }
        return noStore(SmResponse.builder(200), answer);
    }

    private String sign(StoreKeySet.Signer signer, JOSEObjectType type, JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(signer.kid()).type(type).build(), claims);
        try {
            jwt.sign(signer.signer());
        } catch (JOSEException e) {
            throw new ServiceManagerException("could not sign a token with key " + signer.kid(), e);
        }
        return jwt.serialize();
    }

    private Started state() {
        Started s = started;
        if (s == null) {
            throw new IllegalStateException("the token issuer is not started; give it to "
                    + "ServiceManager.builder().tokenIssuer(...), which starts it");
        }
        return s;
    }

    private static boolean readable(SmRequest request) {
        return request.method().equals("GET") || request.method().equals("HEAD");
    }

    /** A public document; HEAD gets GET's headers without the body. */
    private static SmResponse cacheable(SmRequest request, byte[] body) {
        SmResponse.Builder b = SmResponse.builder(200)
                .header("Content-Type", "application/json")
                .header("Cache-Control", "public, max-age=300");
        if (!request.method().equals("HEAD")) {
            b.body(body);
        }
        return b.build();
    }

    private static SmResponse notAllowed(String allow) {
        return SmResponse.builder(405)
                .header("Allow", allow)
                .header("Content-Type", "application/json")
                .body(json(Map.of("error", "MethodNotAllowed", "description", "only " + allow + " is allowed here")))
                .build();
    }

    /** RFC 6749 5.1: token answers, good or bad, must not be cached. */
    private static SmResponse noStore(SmResponse.Builder b, Map<String, ?> body) {
        return b.header("Content-Type", "application/json;charset=UTF-8")
                .header("Cache-Control", "no-store")
                .header("Pragma", "no-cache")
                .body(json(body))
                .build();
    }

    private static byte[] json(Map<String, ?> value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("maps of strings and lists always serialise", e);
        }
    }

    /**
     * A token-endpoint error in OAuth's form (RFC 6749 5.2). Deliberately outside the API's
     * exception hierarchy: it is private control flow, thrown and caught within {@link #token} and
     * turned into an OAuth answer there, never seen by the Service Manager's error mapping (whose
     * {"error","description"} body would not be what OAuth clients parse).
     */
    private static final class OAuthError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final String error;
        private final boolean basicChallenge;

        OAuthError(int status, String error, String description, boolean basicChallenge) {
            super(description, null, false, false);
            this.status = status;
            this.error = error;
            this.basicChallenge = basicChallenge;
        }

        SmResponse response() {
            SmResponse.Builder b = SmResponse.builder(status);
            if (basicChallenge) {
                b.header("WWW-Authenticate", "Basic realm=\"service-manager\"");
            }
            return noStore(b, Map.of("error", error, "error_description", getMessage()));
        }
    }

    /** A refresh token's kid is not the key that signs now: the keys were rotated since it was issued. */
    private static final class NotSigningKey extends KeySourceException {
        private static final long serialVersionUID = 1L;

        NotSigningKey() {
            super("not the signing key");
        }
    }

    /**
     * Tells "signed by a key we retired" apart from a forgery: a kid that is no key of ours (or
     * another algorithm) selects no key and fails as a bad token, counted as a failed login.
     */
    private static final class SigningKeySelector implements JWSKeySelector<SecurityContext> {
        private final JWSVerificationKeySelector<SecurityContext> delegate;
        private final Predicate<String> retiredKid;

        SigningKeySelector(JWSVerificationKeySelector<SecurityContext> delegate,
                           Predicate<String> retiredKid) {
            this.delegate = delegate;
            this.retiredKid = retiredKid;
        }

        @Override
        public List<? extends Key> selectJWSKeys(JWSHeader header, SecurityContext context) throws KeySourceException {
            List<? extends Key> keys = delegate.selectJWSKeys(header, context);
            if (keys.isEmpty() && delegate.isAllowed(header.getAlgorithm()) && retiredKid.test(header.getKeyID())) {
                throw new NotSigningKey();
            }
            return keys;
        }
    }

    /** Configures a {@link BuiltInIssuer}; fails fast on a bad value, naming it. Not thread-safe. */
    public static final class Builder {
        private String issuerUrl;
        private String pathPrefix = "/oauth";
        private String audience = "service-manager";
        private Duration accessTokenLifetime = Duration.ofMinutes(15);
        private Duration refreshTokenLifetime = Duration.ofHours(12);
        private JWSAlgorithm algorithm = JWSAlgorithm.RS256;
        private String scopePrefix = "service_manager";
        private boolean tokenBasicAuth = true;
        private final Map<String, Client> clients = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * The issuer's public URL, as clients reach it: the Service Manager's public base URL plus the
         * path prefix, e.g. {@code https://sm.example.com/oauth}; http or https, no trailing slash.
         * It is the tokens' {@code iss} and what {@code GET /v1/info} tells smctl. Required.
         */
        public Builder issuerUrl(String url) {
            Objects.requireNonNull(url, "issuerUrl");
            IssuerUrls.check(url, "issuerUrl");
            if (url.endsWith("/")) {
                throw new IllegalArgumentException("issuerUrl must not end with '/' (smctl appends "
                        + "/.well-known/openid-configuration to it), was " + url);
            }
            this.issuerUrl = url;
            return this;
        }

        /** Where the endpoints live below the Service Manager's root; default {@code /oauth}. */
        public Builder pathPrefix(String prefix) {
            Objects.requireNonNull(prefix, "pathPrefix");
            if (!prefix.startsWith("/") || prefix.endsWith("/") || prefix.contains("?") || prefix.contains("#")) {
                throw new IllegalArgumentException("pathPrefix must start with '/' and not end with '/', was '"
                        + prefix + "'");
            }
            this.pathPrefix = prefix;
            return this;
        }

        /** The tokens' {@code aud}; default {@code service-manager}. */
        public Builder audience(String audience) {
            Objects.requireNonNull(audience, "audience");
            if (audience.isBlank()) {
                throw new IllegalArgumentException("audience must not be blank");
            }
            this.audience = audience;
            return this;
        }

        /** How long an access token is valid; default 15 minutes. */
        public Builder accessTokenLifetime(Duration lifetime) {
            this.accessTokenLifetime = positive(lifetime, "accessTokenLifetime");
            return this;
        }

        /**
         * How long a login's session lasts: a refresh token expires this long after the login, however
         * often it was refreshed; default 12 hours.
         */
        public Builder refreshTokenLifetime(Duration lifetime) {
            this.refreshTokenLifetime = positive(lifetime, "refreshTokenLifetime");
            return this;
        }

        /**
         * The signing algorithm of new keys: {@code RS256} (default, RSA-2048, the fastest to verify)
         * or {@code ES256} (P-256).
         */
        public Builder algorithm(String name) {
            Objects.requireNonNull(name, "algorithm");
            if (name.equals("RS256")) {
                this.algorithm = JWSAlgorithm.RS256;
            } else if (name.equals("ES256")) {
                this.algorithm = JWSAlgorithm.ES256;
            } else {
                throw new IllegalArgumentException("algorithm must be RS256 or ES256, was " + name);
            }
            return this;
        }

        /** The scopes' prefix: {@code <prefix>.admin}, {@code <prefix>.read}; default {@code service_manager}. */
        public Builder scopePrefix(String prefix) {
            Objects.requireNonNull(prefix, "scopePrefix");
            this.scopePrefix = Scopes.checkPrefix(prefix);
            return this;
        }

        /**
         * Whether {@code GET /v1/info} tells clients to authenticate to the token endpoint with a Basic
         * header ({@code token_basic_auth}); default true. Both ways are accepted either way.
         */
        public Builder tokenBasicAuth(boolean basic) {
            this.tokenBasicAuth = basic;
            return this;
        }

        /**
         * A confidential client for the {@code client_credentials} grant, whose tokens carry
         * {@code role}. The secret is kept hashed only.
         */
        public Builder client(String id, String secret, Role role) {
            Objects.requireNonNull(id, "client id");
            Objects.requireNonNull(secret, "client secret");
            Objects.requireNonNull(role, "client role");
            if (id.isBlank()) {
                throw new IllegalArgumentException("client id must not be blank");
            }
            if (id.equals(PUBLIC_CLIENT)) {
                throw new IllegalArgumentException("client id " + PUBLIC_CLIENT
                        + " is reserved for smctl's public client (password grant)");
            }
            if (secret.isEmpty()) {
                throw new IllegalArgumentException("client " + id + " needs a non-empty secret");
            }
            if (clients.containsKey(id)) {
                throw new IllegalArgumentException("client " + id + " is configured twice");
            }
            clients.put(id, new Client(SecretHashes.hash(secret), role));
            return this;
        }

        /** @throws IllegalStateException when the issuer URL is missing or does not end with the path prefix */
        public BuiltInIssuer build() {
            if (issuerUrl == null) {
                throw new IllegalStateException("issuerUrl is required, e.g. https://sm.example.com" + pathPrefix);
            }
            String path = URI.create(issuerUrl).getRawPath();
            if (path == null || !path.endsWith(pathPrefix)) {
                throw new IllegalStateException("issuerUrl must end with the path prefix " + pathPrefix
                        + " (where the Service Manager serves the issuer), was " + issuerUrl);
            }
            return new BuiltInIssuer(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isZero() || d.isNegative() || d.toSeconds() < 1) {
                throw new IllegalArgumentException(name + " must be at least one second, was " + d);
            }
            return d;
        }

        /** For messages only. */
        @Override
        public String toString() {
            return "BuiltInIssuer.Builder[" + issuerUrl + ", clients " + new ArrayList<>(clients.keySet()) + "]";
        }
    }
}
