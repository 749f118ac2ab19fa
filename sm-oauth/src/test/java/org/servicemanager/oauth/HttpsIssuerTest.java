package org.servicemanager.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.servicemanager.api.security.Role;

@DisplayName("OidcBearerVerifier with an https issuer")
class HttpsIssuerTest {
    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    static Path dir;
    private static KeyStore keyStore;
    private static TestOidcIssuer issuer;
    private static RSAKey key;

    @BeforeAll
    static void start() throws Exception {
        // a self-signed certificate for 127.0.0.1 made by the JDK's keytool: no key material checked in
        Path file = dir.resolve("issuer.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "issuer", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", file.toString(), "-storetype", "PKCS12", "-storepass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        keytool.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).isZero();
        keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            keyStore.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore, PASSWORD);
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);
        issuer = new TestOidcIssuer(server);
        key = issuer.publish(TestOidcIssuer.newRsaKey("tls-key"));
    }

    @AfterAll
    static void stop() {
        issuer.close();
    }

    private static SSLContext trustingIssuer() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("issuer", keyStore.getCertificate("issuer"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    @Test
    @DisplayName("with an SSLContext trusting its certificate, discovery, JWKS and tokens work over https")
    void trusted() throws Exception {
        OidcBearerVerifier verifier = OidcBearerVerifier.builder().issuer(issuer.issuer()).audience("sm")
                .sslContext(trustingIssuer()).build();
        Instant now = Instant.now();
        String token = TestOidcIssuer.sign(key, null, new JWTClaimsSet.Builder().issuer(issuer.issuer()).subject("u")
                .audience("sm").expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
                .claim("scope", List.of("service_manager.read")).build());
        assertThat(verifier.verify(token).role()).isEqualTo(Role.READ_ONLY);
        assertThat(verifier.issuerUrl()).startsWith("https://");
    }

    @Test
    @DisplayName("without trust for its certificate, build() fails: verification is never skipped")
    void untrusted() {
        assertThatThrownBy(() -> OidcBearerVerifier.builder().issuer(issuer.issuer()).audience("sm").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unreachable").hasMessageContaining("SSLHandshakeException");
    }
}
