package org.servicemanager.standalone;

import java.net.URI;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.servicemanager.api.security.Role;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.oauth.BuiltInIssuer;
import org.servicemanager.oauth.OidcBearerVerifier;
import org.servicemanager.oauth.internal.IssuerUrls;
import org.servicemanager.standalone.StandaloneServer.ConfigurationException;

/**
 * Where the standalone server's bearer tokens come from, read from the environment: its built-in
 * issuer (the default, so that {@code smctl login} works out of the box), an external OpenID
 * Connect issuer ({@code SM_OIDC_ISSUER_URL}), or nowhere ({@code SM_TOKEN_ISSUER=off}, Basic only).
 *
 * <p>Read in two steps because the built-in issuer's URL holds the bound port, known only once the
 * server has bound ({@code SM_PORT=0}): {@link #read} checks every variable before anything is
 * opened, {@link #apply} configures the builder once the public URL is known. Immutable and
 * thread-safe.
 */
final class StandaloneTokens {
    static final String TOKEN_ISSUER = "SM_TOKEN_ISSUER";
    static final String TOKEN_TTL = "SM_TOKEN_TTL_SECONDS";
    static final String TOKEN_ALGORITHM = "SM_TOKEN_ALGORITHM";
    static final String TOKEN_CLIENTS = "SM_TOKEN_CLIENTS";
    static final String PUBLIC_URL = "SM_PUBLIC_URL";
    static final String OIDC_ISSUER = "SM_OIDC_ISSUER_URL";
    static final String OIDC_AUDIENCE = "SM_OIDC_AUDIENCE";
    static final String OIDC_SCOPE_PREFIX = "SM_OIDC_SCOPE_PREFIX";
    static final String OIDC_TENANT_CLAIM = "SM_OIDC_TENANT_CLAIM";
    /** Where the built-in issuer is served, below the server's root. */
    static final String ISSUER_PATH = "/oauth";

    /** Which source of tokens is configured. */
    enum Mode {
        BUILT_IN, EXTERNAL, OFF
    }

    /** A client-credentials client of {@code SM_TOKEN_CLIENTS}; its secret never appears in a message. */
    private record Client(String id, String secret, Role role) {
        @Override
        public String toString() {
            return "Client[" + id + ", " + role.wireName() + "]";
        }
    }

    private final Mode mode;
    private final String publicUrl;
    private final Duration ttl;
    private final String algorithm;
    private final List<Client> clients;
    private final String oidcIssuer;
    private final String[] oidcAudience;
    private final String oidcScopePrefix;
    private final String oidcTenantClaim;

    private StandaloneTokens(Mode mode, String publicUrl, Duration ttl, String algorithm, List<Client> clients,
            String oidcIssuer, String[] oidcAudience, String oidcScopePrefix, String oidcTenantClaim) {
        this.oidcTenantClaim = oidcTenantClaim;
        this.mode = mode;
        this.publicUrl = publicUrl;
        this.ttl = ttl;
        this.algorithm = algorithm;
        this.clients = List.copyOf(clients);
        this.oidcIssuer = oidcIssuer;
        this.oidcAudience = oidcAudience;
        this.oidcScopePrefix = oidcScopePrefix;
    }

    /**
     * Checks the token variables.
     *
     * @throws ConfigurationException naming the variable with a bad or contradicting value
     */
    static StandaloneTokens read(Map<String, String> env) {
        String issuerSwitch = blankToNull(env.get(TOKEN_ISSUER));
        String oidcIssuer = blankToNull(env.get(OIDC_ISSUER));
        Mode mode;
        if (issuerSwitch != null && !issuerSwitch.equalsIgnoreCase("on") && !issuerSwitch.equalsIgnoreCase("off")) {
            throw new ConfigurationException(TOKEN_ISSUER + " must be on or off, was '" + issuerSwitch + "'");
        }
        if (oidcIssuer != null) {
            if (issuerSwitch != null && issuerSwitch.equalsIgnoreCase("on")) {
                throw new ConfigurationException(TOKEN_ISSUER + "=on and " + OIDC_ISSUER + " contradict each other: "
                        + "tokens come either from the built-in issuer or from an external one");
            }
            mode = Mode.EXTERNAL;
        } else {
            mode = issuerSwitch != null && issuerSwitch.equalsIgnoreCase("off") ? Mode.OFF : Mode.BUILT_IN;
        }
        if (mode != Mode.EXTERNAL) {
            for (String name : List.of(OIDC_AUDIENCE, OIDC_SCOPE_PREFIX, OIDC_TENANT_CLAIM)) {
                if (blankToNull(env.get(name)) != null) {
                    throw new ConfigurationException(name + " needs " + OIDC_ISSUER);
                }
            }
        }
        if (mode != Mode.BUILT_IN) {
            for (String name : List.of(TOKEN_TTL, TOKEN_ALGORITHM, TOKEN_CLIENTS)) {
                if (blankToNull(env.get(name)) != null) {
                    throw new ConfigurationException(name + " configures the built-in token issuer, which is off "
                            + (mode == Mode.EXTERNAL ? "when " + OIDC_ISSUER + " is set" : "(" + TOKEN_ISSUER + "=off)"));
                }
            }
        }
        String publicUrl = publicUrl(blankToNull(env.get(PUBLIC_URL)));
        Duration ttl = Duration.ofMinutes(15);
        String algorithm = "RS256";
        List<Client> clients = List.of();
        String[] audience = null;
        String scopePrefix = null;
        if (mode == Mode.BUILT_IN) {
            ttl = Duration.ofSeconds(ttlSeconds(blankToNull(env.get(TOKEN_TTL))));
            String alg = blankToNull(env.get(TOKEN_ALGORITHM));
            if (alg != null) {
                if (!alg.equals("RS256") && !alg.equals("ES256")) {
                    throw new ConfigurationException(TOKEN_ALGORITHM + " must be RS256 or ES256, was '" + alg + "'");
                }
                algorithm = alg;
            }
            clients = clients(blankToNull(env.get(TOKEN_CLIENTS)));
        } else if (mode == Mode.EXTERNAL) {
            try {
                // Checks the URL's form now; the discovery document is read in apply().
                OidcBearerVerifier.builder().issuer(oidcIssuer);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(OIDC_ISSUER + " must be an http or https URL without query or "
                        + "fragment, was '" + oidcIssuer + "'", e);
            }
            URI issuerUri = URI.create(oidcIssuer);
            if (IssuerUrls.isHttp(issuerUri) && !IssuerUrls.isLoopback(issuerUri)) {
                // Its keys would travel in clear: anyone on the path could sign administrators' tokens.
                throw new ConfigurationException(OIDC_ISSUER + " must be https (plain http only on loopback), was '"
                        + oidcIssuer + "'");
            }
            String audienceValue = blankToNull(env.get(OIDC_AUDIENCE));
            if (audienceValue == null || audienceValue.replace(",", "").isBlank()) {
                throw new ConfigurationException(OIDC_AUDIENCE + " must be set with " + OIDC_ISSUER
                        + " (the aud the issuer puts in tokens for the Service Manager)");
            }
            audience = Arrays.stream(audienceValue.split(",")).map(String::trim).filter(a -> !a.isEmpty())
                    .toArray(String[]::new);
            scopePrefix = blankToNull(env.get(OIDC_SCOPE_PREFIX));
            if (scopePrefix != null && scopePrefix.chars().anyMatch(Character::isWhitespace)) {
                throw new ConfigurationException(OIDC_SCOPE_PREFIX + " must be one word, was '" + scopePrefix + "'");
            }
        }
        String tenantClaim = mode == Mode.EXTERNAL ? blankToNull(env.get(OIDC_TENANT_CLAIM)) : null;
        if (tenantClaim != null && tenantClaim.chars().anyMatch(Character::isWhitespace)) {
            throw new ConfigurationException(OIDC_TENANT_CLAIM + " must be one claim name, was '" + tenantClaim + "'");
        }
        return new StandaloneTokens(mode, publicUrl, ttl, algorithm, clients, oidcIssuer, audience, scopePrefix,
                tenantClaim);
    }

    Mode mode() {
        return mode;
    }

    /** {@code SM_OIDC_TENANT_CLAIM}, or {@code null}. */
    String tenantClaim() {
        return oidcTenantClaim;
    }

    /** {@code SM_PUBLIC_URL} without a trailing slash, or {@code null} when it is not set. */
    String configuredPublicUrl() {
        return publicUrl;
    }

    /**
     * Gives {@code builder} its token source.
     *
     * @param publicUrl the base URL clients use, e.g. {@code http://127.0.0.1:8080}
     * @param trust the trust store for an https external issuer ({@code null}: the JDK's)
     * @return the line to log about where tokens come from (holds no secret)
     */
    String apply(ServiceManager.Builder builder, String publicUrl, String adminUser, KeyStore trust) {
        switch (mode) {
            case OFF:
                return "Token issuer: off (" + TOKEN_ISSUER + "=off); operators authenticate with HTTP Basic only";
            case EXTERNAL:
                OidcBearerVerifier.Builder verifier = OidcBearerVerifier.builder();
                try {
                    verifier.issuer(oidcIssuer).audience(oidcAudience);
                    if (oidcScopePrefix != null) {
                        verifier.scopePrefix(oidcScopePrefix);
                    }
                    if (oidcTenantClaim != null) {
                        verifier.tenantClaim(oidcTenantClaim);
                    }
                } catch (IllegalArgumentException e) {
                    // E.g. a plain-http issuer off loopback, whose keys anyone on the path could replace.
                    throw new ConfigurationException(OIDC_ISSUER + "/" + OIDC_AUDIENCE + "/" + OIDC_SCOPE_PREFIX
                            + ": " + e.getMessage(), e);
                }
                if (trust != null) {
                    verifier.sslContext(sslContext(trust));
                }
                try {
                    builder.bearerTokens(verifier.build());
                } catch (IllegalStateException e) {
                    throw new IllegalStateException("cannot use the OpenID Connect issuer " + OIDC_ISSUER + "="
                            + oidcIssuer + ": " + e.getMessage(), e);
                }
                return "Bearer tokens from the OpenID Connect issuer " + oidcIssuer + " (audience "
                        + String.join(",", oidcAudience) + ")";
            default:
                String issuerUrl = publicUrl + ISSUER_PATH;
                BuiltInIssuer.Builder issuer = BuiltInIssuer.builder().issuerUrl(issuerUrl).pathPrefix(ISSUER_PATH)
                        .accessTokenLifetime(ttl).algorithm(algorithm);
                for (Client client : clients) {
                    try {
                        issuer.client(client.id(), client.secret(), client.role());
                    } catch (IllegalArgumentException e) {
                        // The issuer's messages name the client id, never its secret.
                        throw new ConfigurationException(TOKEN_CLIENTS + ": " + e.getMessage(), e);
                    }
                }
                builder.tokenIssuer(issuer.build());
                return "Token issuer: " + issuerUrl + " (smctl login -a " + publicUrl + " -u " + adminUser
                        + " -p ...)" + (clients.isEmpty() ? "" : "; client-credentials clients: "
                        + String.join(", ", clients.stream().map(Client::id).toList()));
        }
    }

    /**
     * The base URL clients use when {@code SM_PUBLIC_URL} is not set: the listening address, with
     * {@code localhost} for a wildcard address.
     */
    static String defaultPublicUrl(boolean https, String host, int port) {
        String shown = isWildcard(host) ? "localhost" : host;
        if (shown.contains(":") && !shown.startsWith("[")) {
            shown = "[" + shown + "]";
        }
        return (https ? "https://" : "http://") + shown + ":" + port;
    }

    static boolean isWildcard(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return Set.of("0.0.0.0", "::", "0:0:0:0:0:0:0:0", "::0").contains(h);
    }

    private static String publicUrl(String value) {
        if (value == null) {
            return null;
        }
        String url = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null
                    && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null) {
                return url;
            }
        } catch (URISyntaxException e) {
            // reported below, with the value
        }
        throw new ConfigurationException(PUBLIC_URL + " must be an http or https URL with a host and without user, "
                + "query or fragment, e.g. https://sm.example.com, was '" + value + "'");
    }

    private static long ttlSeconds(String value) {
        if (value == null) {
            return 900;
        }
        try {
            long seconds = Long.parseLong(value);
            if (seconds >= 60 && seconds <= 86_400) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // reported below, with the value
        }
        throw new ConfigurationException(TOKEN_TTL + " must be an integer between 60 and 86400, was '" + value + "'");
    }

    /** {@code id:secret:role,...}; the secret may hold ':' (the role is after the last one). */
    private static List<Client> clients(String value) {
        if (value == null) {
            return List.of();
        }
        List<Client> clients = new ArrayList<>();
        String[] entries = value.split(",", -1);
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].trim();
            int first = entry.indexOf(':');
            int last = entry.lastIndexOf(':');
            String where = TOKEN_CLIENTS + " entry " + (i + 1);
            if (first <= 0 || last == first) {
                throw new ConfigurationException(where + (first > 0 ? " (client '" + entry.substring(0, first) + "')" : "")
                        + " must have the form id:secret:role with role admin or read-only");
            }
            String id = entry.substring(0, first);
            String secret = entry.substring(first + 1, last);
            String roleName = entry.substring(last + 1);
            Role role;
            try {
                role = Role.fromWireName(roleName);
            } catch (IllegalArgumentException e) {
                role = null;
            }
            if (role == null) {
                throw new ConfigurationException(where + " (client '" + id + "') has the role '" + roleName
                        + "'; it must be admin or read-only");
            }
            if (secret.isEmpty()) {
                throw new ConfigurationException(where + " (client '" + id + "') has an empty secret");
            }
            clients.add(new Client(id, secret, role));
        }
        return clients;
    }

    private static SSLContext sslContext(KeyStore trust) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up trust for " + OIDC_ISSUER + ": " + e.getMessage(), e);
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
