package org.servicemanager.core.internal.broker;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.servicemanager.api.BadRequestException;

/**
 * Reads a PEM client certificate chain and private key (PKCS#8 {@code PRIVATE KEY} for RSA or EC,
 * or PKCS#1 {@code RSA PRIVATE KEY}) into an {@link SSLContext} for mutual TLS with a broker.
 */
public final class PemKeys {
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private PemKeys() {
    }

    /** Validates the pair as a client would use it; throws {@link BadRequestException} with the reason. */
    public static void validate(String certificatePem, String keyPem) {
        sslContext(certificatePem, keyPem, null);
    }

    static SSLContext sslContext(String certificatePem, String keyPem, TrustManager[] trust) {
        try {
            Collection<? extends Certificate> chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(certificatePem.getBytes(StandardCharsets.US_ASCII)));
            if (chain.isEmpty()) {
                throw new BadRequestException("credentials.tls.client_certificate holds no PEM certificate");
            }
            PrivateKey key = privateKey(keyPem);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = new char[0];
            store.setKeyEntry("client", key, password, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), trust, null);
            return context;
        } catch (GeneralSecurityException | java.io.IOException | IllegalArgumentException e) {
            throw new BadRequestException("credentials.tls could not be used: " + e.getMessage());
        }
    }

    /** An SSLContext with the JVM's key managers and the given trust managers ({@code null}: the JVM's). */
    static SSLContext trustOnly(TrustManager[] trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS is not available", e);
        }
    }

    private static PrivateKey privateKey(String pem) throws GeneralSecurityException {
        Matcher m = BLOCK.matcher(pem);
        if (!m.find()) {
            throw new BadRequestException("credentials.tls.client_key holds no PEM private key");
        }
        String kind = m.group(1);
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        return switch (kind) {
            case "PRIVATE KEY" -> pkcs8(der);
            case "RSA PRIVATE KEY" -> KeyFactory.getInstance("RSA").generatePrivate(
                    new PKCS8EncodedKeySpec(wrapPkcs1(der)));
            default -> throw new BadRequestException("credentials.tls.client_key: '" + kind
                    + "' keys are not supported; use a PKCS#8 'PRIVATE KEY' or an 'RSA PRIVATE KEY'");
        };
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
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
}
