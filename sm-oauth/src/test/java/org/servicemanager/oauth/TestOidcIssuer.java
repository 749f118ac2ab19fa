package org.servicemanager.oauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * An OpenID Connect issuer on loopback for tests: discovery and JWKS over real HTTP (JDK server),
 * keys that can be added later (rotation), and a count of JWKS requests. Its issuer URL ends in
 * {@code /oauth/token} like UAA's, so path handling is exercised. Other modules' tests use it
 * through sm-oauth's test jar ({@code <type>test-jar</type>}). Thread-safe.
 */
public final class TestOidcIssuer implements AutoCloseable {
    private final HttpServer server;
    private final String scheme;
    private final String issuer;
    private final List<JWK> published = new CopyOnWriteArrayList<>();
    private final AtomicInteger jwksRequests = new AtomicInteger();
    private volatile String discoveryIssuer;
    private volatile String discoveryBody;

    public TestOidcIssuer() throws IOException {
        this(null);
    }

    /** Serves HTTPS with the given context, plain HTTP when null. */
    public TestOidcIssuer(SSLContext tls) throws IOException {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (tls == null) {
            server = HttpServer.create(loopback, 0);
        } else {
            HttpsServer https = HttpsServer.create(loopback, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        scheme = tls == null ? "http" : "https";
        issuer = scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/oauth/token";
        discoveryIssuer = issuer;
        server.createContext("/oauth/token/.well-known/openid-configuration", this::discovery);
        server.createContext("/oauth/token_keys", this::jwks);
        server.createContext("/moved/token_keys", TestOidcIssuer::redirectToJwks);
        server.start();
    }

    public String issuer() {
        return issuer;
    }

    public int jwksRequests() {
        return jwksRequests.get();
    }

    /** Makes discovery name another issuer than the URL it is served under. */
    public void discoveryIssuer(String value) {
        this.discoveryIssuer = value;
    }

    /** Replaces the whole discovery answer. */
    public void discoveryBody(String body) {
        this.discoveryBody = body;
    }

    public static RSAKey newRsaKey(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ECKey newEcKey(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Publishes the key's public part in the JWKS from now on. */
    public <K extends JWK> K publish(K key) {
        published.add(key);
        return key;
    }

    /** A compact JWS with the key's kid, {@code typ} as given (null: absent). */
    public static String sign(JWK key, JOSEObjectType typ, JWTClaimsSet claims) {
        try {
            JWSAlgorithm alg = key instanceof ECKey ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
            JWSSigner signer = key instanceof ECKey ec ? new ECDSASigner(ec) : new RSASSASigner((RSAKey) key);
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(key.getKeyID()).type(typ).build(), claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private void discovery(HttpExchange exchange) throws IOException {
        String body = discoveryBody;
        if (body == null) {
            String base = scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/oauth";
            body = "{\"issuer\":\"" + discoveryIssuer + "\",\"token_endpoint\":\"" + base + "/token\","
                    + "\"jwks_uri\":\"" + base + "/token_keys\",\"response_types_supported\":[\"token\"],"
                    + "\"subject_types_supported\":[\"public\"],\"id_token_signing_alg_values_supported\":[\"RS256\"]}";
        }
        send(exchange, body);
    }

    private void jwks(HttpExchange exchange) throws IOException {
        jwksRequests.incrementAndGet();
        send(exchange, new JWKSet(List.copyOf(published)).toPublicJWKSet().toString());
    }

    /** A redirect to the real JWKS, which a verifier must not follow. */
    private static void redirectToJwks(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().add("Location", "/oauth/token_keys");
        exchange.sendResponseHeaders(302, -1);
        exchange.close();
    }

    private static void send(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
