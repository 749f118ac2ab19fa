package org.servicemanager.spring;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;

/**
 * An OpenID Connect issuer on loopback for the starter's tests: a discovery document, one RSA key
 * in its JWKS, and tokens signed with it (or with a key it does not publish). Thread-safe.
 */
final class FakeOidcIssuer implements AutoCloseable {
    private final HttpServer server;
    private final RSAKey key;
    private final RSAKey unpublished;

    private FakeOidcIssuer(HttpServer server, RSAKey key, RSAKey unpublished) {
        this.server = server;
        this.key = key;
        this.unpublished = unpublished;
    }

    static FakeOidcIssuer start() {
        try {
            RSAKey key = new RSAKeyGenerator(2048).keyID("k1").keyUse(KeyUse.SIGNATURE).generate();
            RSAKey unpublished = new RSAKeyGenerator(2048).keyID("k1").keyUse(KeyUse.SIGNATURE).generate();
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            FakeOidcIssuer issuer = new FakeOidcIssuer(server, key, unpublished);
            server.createContext("/.well-known/openid-configuration", exchange -> issuer.json(exchange,
                    "{\"issuer\":\"" + issuer.url() + "\",\"jwks_uri\":\"" + issuer.url() + "/jwks\"}"));
            server.createContext("/jwks", exchange -> issuer.json(exchange, new JWKSet(key.toPublicJWK()).toString()));
            server.start();
            return issuer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** A token for {@code audience} with {@code scope}, signed with the published key. */
    String token(String audience, String scope) {
        return sign(key, audience, scope);
    }

    /** A token like {@link #token} but signed with a key the issuer does not publish. */
    String forgedToken(String audience, String scope) {
        return sign(unpublished, audience, scope);
    }

    private String sign(RSAKey signingKey, String audience, String scope) {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(url()).audience(audience).subject("alice")
                .claim("scope", scope).issueTime(new Date())
                .expirationTime(Date.from(Instant.now().plusSeconds(300))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signingKey.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(new RSASSASigner(signingKey));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    private void json(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
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
