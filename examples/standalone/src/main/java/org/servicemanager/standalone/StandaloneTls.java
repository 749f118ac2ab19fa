package org.servicemanager.standalone;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.eclipse.jetty.util.ssl.SslContextFactory;
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

    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

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
        byte[] bytes = read(variable, file);
        try {
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate certificate : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes))) {
                certificates.add((X509Certificate) certificate);
            }
            if (certificates.isEmpty()) {
                throw new ConfigurationException(variable + " '" + file + "' holds no PEM certificate");
            }
            return certificates;
        } catch (GeneralSecurityException e) {
            throw new ConfigurationException(variable + " '" + file + "' holds no readable PEM certificate: "
                    + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(String file) {
        String pem = new String(read(KEY_FILE, file), StandardCharsets.US_ASCII);
        Matcher m = BLOCK.matcher(pem);
        while (m.find()) {
            String kind = m.group(1);
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(m.group(2));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(KEY_FILE + " '" + file + "' holds a damaged PEM block", e);
            }
            try {
                switch (kind) {
                    case "PRIVATE KEY":
                        return pkcs8(der);
                    case "RSA PRIVATE KEY":
                        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(wrapPkcs1(der)));
                    case "EC PARAMETERS":
                        continue; // openssl ecparam writes these before the key
                    default:
                        throw new ConfigurationException(KEY_FILE + " '" + file + "': '" + kind + "' keys are not "
                                + "supported; use a PKCS#8 'PRIVATE KEY' (RSA or EC) or an 'RSA PRIVATE KEY'");
                }
            } catch (GeneralSecurityException e) {
                throw new ConfigurationException(KEY_FILE + " '" + file + "' holds no readable private key: "
                        + e.getMessage(), e);
            }
        }
        throw new ConfigurationException(KEY_FILE + " '" + file + "' holds no PEM private key");
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
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

    /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo, which the JDK can read. */
    private static byte[] wrapPkcs1(byte[] pkcs1) {
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
            0x01, 0x01, 0x05, 0x00};
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octets = der((byte) 0x04, pkcs1);
        byte[] content = new byte[version.length + algorithm.length + octets.length];
        System.arraycopy(version, 0, content, 0, version.length);
        System.arraycopy(algorithm, 0, content, version.length, algorithm.length);
        System.arraycopy(octets, 0, content, version.length + algorithm.length, octets.length);
        return der((byte) 0x30, content);
    }

    private static byte[] der(byte tag, byte[] content) {
        int n = content.length;
        byte[] length;
        if (n < 0x80) {
            length = new byte[] {(byte) n};
        } else if (n < 0x100) {
            length = new byte[] {(byte) 0x81, (byte) n};
        } else if (n < 0x10000) {
            length = new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
        } else {
            length = new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        }
        byte[] out = new byte[1 + length.length + n];
        out[0] = tag;
        System.arraycopy(length, 0, out, 1, length.length);
        System.arraycopy(content, 0, out, 1 + length.length, n);
        return out;
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
