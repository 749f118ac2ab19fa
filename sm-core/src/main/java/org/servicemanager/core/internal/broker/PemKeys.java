package org.servicemanager.core.internal.broker;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.core.security.Pem;

/**
 * Reads a PEM client certificate chain and private key (PKCS#8 {@code PRIVATE KEY} for RSA or EC,
 * or PKCS#1 {@code RSA PRIVATE KEY}) into an {@link SSLContext} for mutual TLS with a broker.
 */
public final class PemKeys {
    private PemKeys() {
    }

    /** Validates the pair as a client would use it; throws {@link BadRequestException} with the reason. */
    public static void validate(String certificatePem, String keyPem) {
        sslContext(certificatePem, keyPem, null);
    }

    static SSLContext sslContext(String certificatePem, String keyPem, TrustManager[] trust) {
        try {
            List<X509Certificate> chain;
            try {
                chain = Pem.certificates(certificatePem);
            } catch (IllegalArgumentException e) {
                throw new BadRequestException("credentials.tls.client_certificate " + e.getMessage());
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
        } catch (GeneralSecurityException | java.io.IOException e) {
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

    private static PrivateKey privateKey(String pem) {
        try {
            return Pem.privateKey(pem);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("credentials.tls.client_key " + e.getMessage());
        }
    }
}
