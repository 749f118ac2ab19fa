package org.servicemanager.standalone;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.servicemanager.core.security.Pem;
import org.servicemanager.standalone.StandaloneServer.ConfigurationException;

/**
 * TLS for the standalone server: its own certificate and key for HTTPS ({@code SM_TLS_CERT_FILE},
 * {@code SM_TLS_KEY_FILE}) and extra roots to trust when calling brokers ({@code SM_BROKER_TRUST_FILE}).
 * All read from PEM files. Certificate verification is never switched off: extra roots are added to
 * the JDK's, never put in their place, and the JDK's hostname verification stays on.
 *
 * <p>Not instantiable; its static methods are thread-safe.
 */
final class StandaloneTls {
    static final String CERT_FILE = "SM_TLS_CERT_FILE";
    static final String KEY_FILE = "SM_TLS_KEY_FILE";
    static final String BROKER_TRUST_FILE = "SM_BROKER_TRUST_FILE";

    /** The only protocols served: older ones have known weaknesses and are refused. */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    /**
     * The cipher suites served: TLS 1.3's, and TLS 1.2's with forward secrecy and an AEAD cipher
     * (no RSA key exchange, no CBC, no SHA-1, no NULL or anonymous suites).
     */
    static final String[] CIPHER_SUITES = {"^TLS_AES_(128|256)_GCM_SHA(256|384)$", "^TLS_CHACHA20_POLY1305_SHA256$",
        "^TLS_ECDHE_(ECDSA|RSA)_WITH_AES_(128_GCM_SHA256|256_GCM_SHA384)$",
        "^TLS_ECDHE_(ECDSA|RSA)_WITH_CHACHA20_POLY1305_SHA256$"};


    private StandaloneTls() {
    }

    /**
     * The server's TLS configuration, or {@code null} when neither file is configured (plain HTTP).
     *
     * @throws ConfigurationException when only one of the two is set, or a file cannot be used
     */
    static SslContextFactory.Server serverContext(Map<String, String> env) {
        String certFile = blankToNull(env.get(CERT_FILE));
        String keyFile = blankToNull(env.get(KEY_FILE));
        if (certFile == null && keyFile == null) {
            return null;
        }
        if (certFile == null || keyFile == null) {
            String missing = certFile == null ? CERT_FILE : KEY_FILE;
            String given = certFile == null ? KEY_FILE : CERT_FILE;
            throw new ConfigurationException(missing + " must be set too when " + given + " is set");
        }
        List<X509Certificate> chain = certificates(CERT_FILE, certFile);
        PrivateKey key = privateKey(keyFile);
        if (!matches(key, chain.get(0).getPublicKey())) {
            throw new ConfigurationException(KEY_FILE + " '" + keyFile + "' is not the private key of the first "
                    + "certificate in " + CERT_FILE + " '" + certFile + "'");
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = randomPassword();
            store.setKeyEntry("server", key, password, chain.toArray(new Certificate[0]));
            SslContextFactory.Server factory = new SslContextFactory.Server();
            factory.setKeyStore(store);
            factory.setKeyStorePassword(new String(password));
            factory.setIncludeProtocols(PROTOCOLS);
            factory.setIncludeCipherSuites(CIPHER_SUITES);
            // Our order decides, not the client's, so the strongest suite both support wins.
            factory.setUseCipherSuitesOrder(true);
            // Renegotiation only serves old clients and has a history of attacks; TLS 1.3 has none.
            factory.setRenegotiationAllowed(false);
            return factory;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigurationException(CERT_FILE + " and " + KEY_FILE + " cannot be used: " + e.getMessage(), e);
        }
    }

    /**
     * A trust store holding the JDK's default roots and the certificates of {@code SM_BROKER_TRUST_FILE},
     * or {@code null} when that is not set (the JDK's roots only).
     */
    static KeyStore brokerTrustStore(Map<String, String> env) {
        String file = blankToNull(env.get(BROKER_TRUST_FILE));
        if (file == null) {
            return null;
        }
        List<X509Certificate> extra = certificates(BROKER_TRUST_FILE, file);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int n = 0;
            for (X509Certificate root : defaultRoots()) {
                store.setCertificateEntry("jdk-" + n++, root);
            }
            n = 0;
            for (X509Certificate certificate : extra) {
                store.setCertificateEntry("sm-broker-trust-" + n++, certificate);
            }
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigurationException(BROKER_TRUST_FILE + " '" + file + "' cannot be used: " + e.getMessage(), e);
        }
    }

    /** The roots the JDK trusts by default (its cacerts, or what javax.net.ssl.trustStore names). */
    static List<X509Certificate> defaultRoots() throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init((KeyStore) null);
        List<X509Certificate> roots = new ArrayList<>();
        for (TrustManager manager : tmf.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                roots.addAll(List.of(x509.getAcceptedIssuers()));
            }
        }
        return roots;
    }

    private static List<X509Certificate> certificates(String variable, String file) {
        String pem = new String(read(variable, file), StandardCharsets.US_ASCII);
        try {
            return Pem.certificates(pem);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(variable + " '" + file + "' " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(String file) {
        String pem = new String(read(KEY_FILE, file), StandardCharsets.US_ASCII);
        try {
            return Pem.privateKey(pem);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(KEY_FILE + " '" + file + "' " + e.getMessage(), e);
        }
    }

    /** Whether {@code key} signs what {@code publicKey} verifies: a mismatched pair fails every handshake. */
    private static boolean matches(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            byte[] data = new byte[32];
            new SecureRandom().nextBytes(data);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(data);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(data);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] read(String variable, String file) {
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (IOException | RuntimeException e) {
            throw new ConfigurationException(variable + " '" + file + "' cannot be read: " + e.getMessage(), e);
        }
    }

    /** The in-memory key store's password: never written anywhere, so any random value does. */
    private static char[] randomPassword() {
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        return Base64.getEncoder().encodeToString(random).toCharArray();
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
