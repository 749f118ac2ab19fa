package org.servicemanager.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.servicemanager.api.InvalidBearerTokenException;
import org.servicemanager.api.ServiceUnavailableException;
import org.servicemanager.api.security.BearerTokenVerifier;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.security.VerifiedToken;
import org.servicemanager.oauth.internal.AccessTokenVerifier;
import org.servicemanager.oauth.internal.IssuerUrls;
import org.servicemanager.oauth.internal.Scopes;

/**
 * Accepts access tokens of an external OpenID Connect issuer (UAA, Keycloak, Entra ID, Dex...):
 * give it to {@code ServiceManager.builder().bearerTokens(verifier)}.
 *
 * <p>{@link Builder#build()} reads {@code <issuer>/.well-known/openid-configuration} once and fails
 * if the issuer is unreachable or publishes another {@code issuer}; the signing keys come from its
 * {@code jwks_uri} (read at build too), cached for five minutes (by default), and fetched again when a token names an unknown
 * {@code kid} (at most once per {@link Builder#jwksRefetchInterval refetch interval}, so a flood of
 * made-up key ids cannot hammer the issuer). When the issuer cannot be reached, the keys read last
 * keep verifying for up to an hour by default (a short outage does not fail valid tokens), and a token whose
 * key cannot be fetched is answered 503, not 401. Neither discovery nor the JWKS follows redirects,
 * and a plain-http issuer is refused unless it is on loopback or {@link Builder#allowInsecureHttp()}
 * says so. Tokens must be signed with RS*, PS* or ES* keys, carry
 * {@code iss} equal to the discovered issuer, one of the configured audiences in {@code aud}, a
 * {@code sub}, and be within {@code exp}/{@code nbf} give or take the clock skew. Scopes
 * {@code <prefix>.admin} and {@code <prefix>.read} (prefix {@code service_manager} by default)
 * grant the roles admin and read-only; a token with neither is valid but may do nothing that needs
 * a role.
 *
 * <p>Thread-safe; verified tokens are cached, so repeated calls with one token cost a hash lookup.
 */
public final class OidcBearerVerifier implements BearerTokenVerifier {

    private final String issuerUrl;
    private final boolean tokenBasicAuth;
    private final AccessTokenVerifier tokens;

    private OidcBearerVerifier(String issuerUrl, boolean tokenBasicAuth, AccessTokenVerifier tokens) {
        this.issuerUrl = issuerUrl;
        this.tokenBasicAuth = tokenBasicAuth;
        this.tokens = tokens;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * @throws InvalidBearerTokenException saying why (expired, unknown key, wrong audience...)
     * @throws ServiceUnavailableException when the issuer's keys cannot be fetched
     */
    @Override
    public VerifiedToken verify(String token) {
        return tokens.verify(token);
    }

    /** The scope that grants {@code role}, under the configured scope prefix. */
    @Override
    public String scope(Role role) {
        return tokens.scope(role);
    }

    /** The configured issuer URL without a trailing slash. */
    @Override
    public String issuerUrl() {
        return issuerUrl;
    }

    @Override
    public boolean tokenBasicAuth() {
        return tokenBasicAuth;
    }

    @Override
    public String toString() {
        return "OidcBearerVerifier[" + issuerUrl + "]";
    }

    /** Collects the settings; {@link #build()} checks them and reads the issuer's discovery document. Not thread-safe. */
    public static final class Builder {
        /** Upper bound on the discovery document and the JWKS: real ones are a few KiB. */
        static final int MAX_DOCUMENT_BYTES = 256 * 1024;
        private static final Duration JWKS_REFRESH_TIMEOUT = Duration.ofSeconds(15);

        private String issuer;
        private final Set<String> audiences = new LinkedHashSet<>();
        private boolean skipAudienceCheck;
        private Duration clockSkew = Duration.ofSeconds(60);
        private String scopePrefix = "service_manager";
        private boolean tokenBasicAuth = true;
        private Clock clock = Clock.systemUTC();
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration readTimeout = Duration.ofSeconds(5);
        private SSLContext sslContext;
        private Duration jwksRefetchInterval = Duration.ofSeconds(30);
        private Duration jwksCacheTime = Duration.ofMinutes(5);
        private Duration jwksOutageTolerance = Duration.ofHours(1);
        private boolean allowInsecureHttp;
        private String tenantClaim;

        private Builder() {
        }

        /**
         * The claim that names the token holder's tenant (for example UAA's {@code zid}), for a
         * Service Manager with multitenancy on ({@code ServiceManager.Builder.tenantLabelKey}). A
         * token without the claim is global (sees every tenant); one whose claim is not a non-empty
         * string is invalid (401). Default: none, every holder is global.
         */
        public Builder tenantClaim(String claim) {
            Objects.requireNonNull(claim, "claim");
            if (claim.isBlank()) {
                throw new IllegalArgumentException("tenantClaim must not be blank");
            }
            this.tenantClaim = claim;
            return this;
        }

        /**
         * The issuer's URL, e.g. {@code https://uaa.example.com/oauth/token}; a trailing slash is
         * dropped. Required. Plain http only on loopback, or with {@link #allowInsecureHttp()}.
         */
        public Builder issuer(String issuerUrl) {
            IssuerUrls.check(issuerUrl == null ? null : issuerUrl.trim(), "issuer");
            this.issuer = withoutTrailingSlash(issuerUrl.trim());
            return this;
        }

        /**
         * Accept a plain-http issuer (and {@code jwks_uri}) that is not on loopback. Anyone on the
         * path could then substitute keys and forge every token: for test networks only.
         */
        public Builder allowInsecureHttp() {
            this.allowInsecureHttp = true;
            return this;
        }

        /** See {@link #issuer(String)}. */
        public Builder issuer(URI issuerUrl) {
            return issuer(issuerUrl == null ? null : issuerUrl.toString());
        }

        /**
         * Tokens must name one of these in {@code aud} (typically the client id the issuer knows the
         * Service Manager by). Required unless {@link #skipAudienceCheck()}.
         */
        public Builder audience(String... audience) {
            if (audience == null || audience.length == 0) {
                throw new IllegalArgumentException("audience needs at least one value");
            }
            for (String a : audience) {
                if (a == null || a.isBlank()) {
                    throw new IllegalArgumentException("audience must not be empty, was " + (a == null ? "null" : "'" + a + "'"));
                }
                audiences.add(a);
            }
            return this;
        }

        /**
         * Accept tokens whatever their {@code aud}: only safe when the issuer mints tokens for the
         * Service Manager alone, as any token of that issuer for any client will then do.
         */
        public Builder skipAudienceCheck() {
            this.skipAudienceCheck = true;
            return this;
        }

        /** Tolerance on {@code exp} and {@code nbf}, whole seconds, 0 to 10 minutes; default 60 s. */
        public Builder clockSkew(Duration skew) {
            if (skew == null || skew.isNegative() || skew.compareTo(Duration.ofMinutes(10)) > 0 || skew.getNano() != 0) {
                throw new IllegalArgumentException("clockSkew must be whole seconds between 0 and 10 minutes, was " + skew);
            }
            this.clockSkew = skew;
            return this;
        }

        /** Scopes {@code <prefix>.admin} and {@code <prefix>.read} grant the roles; default {@code service_manager}. */
        public Builder scopePrefix(String prefix) {
            this.scopePrefix = Scopes.checkPrefix(prefix);
            return this;
        }

        /** What {@code GET /v1/info} tells clients as {@code token_basic_auth}; default true. */
        public Builder tokenBasicAuth(boolean basic) {
            this.tokenBasicAuth = basic;
            return this;
        }

        /** The clock {@code exp} and {@code nbf} are checked against; default the system clock (UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Connect and read timeouts for discovery and JWKS requests; default 5 s each. */
        public Builder httpTimeouts(Duration connect, Duration read) {
            this.connectTimeout = positiveMillis(connect, "connect timeout");
            this.readTimeout = positiveMillis(read, "read timeout");
            return this;
        }

        /** Trust for an https issuer with a private CA; default the JDK's trust store. */
        public Builder sslContext(SSLContext context) {
            this.sslContext = Objects.requireNonNull(context, "sslContext");
            return this;
        }

        /**
         * The least time between two JWKS fetches caused by unknown {@code kid}s; default 30 s. Must
         * be shorter than {@link #jwksCacheTime}.
         */
        public Builder jwksRefetchInterval(Duration interval) {
            this.jwksRefetchInterval = positiveMillis(interval, "jwksRefetchInterval");
            return this;
        }

        /** How long the issuer's keys are used before they are fetched again; default 5 minutes. */
        public Builder jwksCacheTime(Duration time) {
            this.jwksCacheTime = positiveMillis(time, "jwksCacheTime");
            return this;
        }

        /**
         * How long the keys read last keep verifying while the issuer cannot be reached, so that a
         * short outage does not fail valid tokens; default 1 hour. After it, and for a key not read
         * before the outage, verification answers 503.
         */
        public Builder jwksOutageTolerance(Duration time) {
            this.jwksOutageTolerance = positiveMillis(time, "jwksOutageTolerance");
            return this;
        }

        /**
         * Checks the settings, reads the discovery document and sets up the key source.
         *
         * @throws IllegalStateException naming what is missing or what the issuer answered wrongly
         */
        public OidcBearerVerifier build() {
            if (issuer == null) {
                throw new IllegalStateException("issuer is required (the OpenID Connect issuer URL)");
            }
            if (audiences.isEmpty() && !skipAudienceCheck) {
                throw new IllegalStateException("audience is required (the aud tokens must carry for the Service"
                        + " Manager), or call skipAudienceCheck() to accept any audience of " + issuer);
            }
            if (!audiences.isEmpty() && skipAudienceCheck) {
                throw new IllegalStateException("audience " + audiences + " and skipAudienceCheck() contradict each other");
            }
            if (jwksRefetchInterval.compareTo(jwksCacheTime) >= 0) {
                throw new IllegalStateException("jwksRefetchInterval " + jwksRefetchInterval
                        + " must be shorter than jwksCacheTime " + jwksCacheTime + " (how long keys are cached)");
            }
            requireSecureOrLoopback(URI.create(issuer), "issuer " + issuer);
            String discoveryUrl = issuer + "/.well-known/openid-configuration";
            JsonNode discovery = fetchDiscovery(discoveryUrl);
            String published = text(discovery, "issuer");
            if (published == null) {
                throw new IllegalStateException("the discovery document at " + discoveryUrl + " has no issuer");
            }
            if (!withoutTrailingSlash(published).equals(issuer)) {
                throw new IllegalStateException("the discovery document at " + discoveryUrl + " names the issuer "
                        + published + ", not the configured " + issuer);
            }
            String jwksUri = text(discovery, "jwks_uri");
            if (jwksUri == null) {
                throw new IllegalStateException("the discovery document at " + discoveryUrl + " has no jwks_uri");
            }
            URL jwksUrl = jwksUrl(jwksUri, discoveryUrl);
            DefaultResourceRetriever retriever = new NoRedirects(
                    (int) connectTimeout.toMillis(), (int) readTimeout.toMillis(), MAX_DOCUMENT_BYTES,
                    sslContext == null ? null : sslContext.getSocketFactory());
            long cacheTime = jwksCacheTime.toMillis();
            long refreshTimeout = Math.min(JWKS_REFRESH_TIMEOUT.toMillis(), Math.max(1, cacheTime / 4));
            JWKSource<SecurityContext> keys = JWKSourceBuilder.<SecurityContext>create(jwksUrl, retriever)
                    .cache(cacheTime, refreshTimeout)
                    // refresh ahead of expiry when the cache time leaves room for it (nimbus demands so)
                    .refreshAheadCache(JWKSourceBuilder.DEFAULT_REFRESH_AHEAD_TIME + refreshTimeout <= cacheTime)
                    .rateLimited(jwksRefetchInterval.toMillis())
                    .retrying(true)
                    .outageTolerant(jwksOutageTolerance.toMillis(), AccessTokenVerifier.outageListener())
                    .build();
            // Read the keys now: fails fast on a broken jwks_uri and spares the first caller the fetch.
            try {
                keys.get(new JWKSelector(new JWKMatcher.Builder().build()), null);
            } catch (KeySourceException e) {
                throw new IllegalStateException("the JWKS at " + jwksUri + " (jwks_uri of " + discoveryUrl
                        + ") could not be read: " + e.getMessage(), e);
            }
            // Tokens carry the issuer exactly as published (some issuers publish a trailing slash).
            AccessTokenVerifier tokens = new AccessTokenVerifier(keys, published, audiences, clockSkew, scopePrefix, clock,
                    tenantClaim);
            return new OidcBearerVerifier(issuer, tokenBasicAuth, tokens);
        }

        private JsonNode fetchDiscovery(String url) {
            HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(connectTimeout)
                    .followRedirects(HttpClient.Redirect.NEVER);
            if (sslContext != null) {
                client.sslContext(sslContext);
            }
            HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(readTimeout)
                    .header("Accept", "application/json").GET().build();
            byte[] body;
            int status;
            try {
                HttpResponse<InputStream> response = client.build().send(request, HttpResponse.BodyHandlers.ofInputStream());
                status = response.statusCode();
                try (InputStream in = response.body()) {
                    body = in.readNBytes(MAX_DOCUMENT_BYTES + 1);
                }
            } catch (IOException e) {
                throw new IllegalStateException("the OpenID Connect issuer is unreachable: GET " + url + " failed: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading " + url, e);
            }
            if (status != 200) {
                throw new IllegalStateException("GET " + url + " answered HTTP " + status + ", not the discovery document");
            }
            if (body.length > MAX_DOCUMENT_BYTES) {
                throw new IllegalStateException("the discovery document at " + url + " exceeds " + MAX_DOCUMENT_BYTES + " bytes");
            }
            try {
                JsonNode json = new ObjectMapper().readTree(body);
                if (json == null || !json.isObject()) {
                    throw new IllegalStateException("the discovery document at " + url + " is not a JSON object");
                }
                return json;
            } catch (IOException e) {
                throw new IllegalStateException("the discovery document at " + url + " is not JSON", e);
            }
        }

        private URL jwksUrl(String jwksUri, String discoveryUrl) {
            try {
                URI uri = new URI(jwksUri);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme();
                if (!(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || uri.getHost() == null) {
                    throw new IllegalStateException("the discovery document at " + discoveryUrl
                            + " has a jwks_uri that is not an http(s) URL: " + jwksUri);
                }
                requireSecureOrLoopback(uri, "jwks_uri " + jwksUri + " (of " + discoveryUrl + ")");
                return uri.toURL();
            } catch (java.net.URISyntaxException | MalformedURLException e) {
                throw new IllegalStateException("the discovery document at " + discoveryUrl
                        + " has a jwks_uri that is not a URL: " + jwksUri, e);
            }
        }

        /** Plain http lets anyone on the path replace the keys: only on loopback or when explicitly allowed. */
        private void requireSecureOrLoopback(URI uri, String what) {
            if (IssuerUrls.isHttp(uri) && !IssuerUrls.isLoopback(uri) && !allowInsecureHttp) {
                throw new IllegalStateException("the " + what + " is plain http on a host that is not loopback: "
                        + "use https, or call allowInsecureHttp() on a test network");
            }
        }

        private static String text(JsonNode json, String field) {
            JsonNode value = json.get(field);
            return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
        }

        private static Duration positiveMillis(Duration d, String name) {
            if (d == null || d.toMillis() <= 0 || d.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(name + " must be a positive duration, was " + d);
            }
            return d;
        }
    }

    /**
     * Fetches the JWKS without following redirects, like discovery: a redirect answer is an error,
     * so a compromised or misconfigured redirect cannot send the key fetch to another host.
     */
    private static final class NoRedirects extends DefaultResourceRetriever {
        NoRedirects(int connectTimeout, int readTimeout, int sizeLimit, javax.net.ssl.SSLSocketFactory sockets) {
            super(connectTimeout, readTimeout, sizeLimit, true, sockets);
        }

        @Override
        protected HttpURLConnection openHTTPConnection(URL url) throws IOException {
            HttpURLConnection connection = super.openHTTPConnection(url);
            connection.setInstanceFollowRedirects(false);
            return connection;
        }
    }

    private static String withoutTrailingSlash(String url) {
        String u = url;
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }
}
