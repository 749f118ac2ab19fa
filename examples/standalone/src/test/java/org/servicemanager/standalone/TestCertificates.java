package org.servicemanager.standalone;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates generated at test time with the JDK's keytool (no private key is checked in), written
 * as the PEM files an operator would give the standalone server. Not thread-safe; one per test.
 */
final class TestCertificates {
    private static final String PASSWORD = "changeit";

    private TestCertificates() {
    }

    /** A certificate with its chain (leaf first) and private key. */
    record Issued(List<X509Certificate> chain, PrivateKey key) {
        /** The chain as PEM. */
        String chainPem() throws Exception {
            StringBuilder pem = new StringBuilder();
            for (X509Certificate certificate : chain) {
                pem.append(pem("CERTIFICATE", certificate.getEncoded()));
            }
            return pem.toString();
        }

        /** The key as a PKCS#8 {@code PRIVATE KEY}. */
        String keyPem() {
            return pem("PRIVATE KEY", key.getEncoded());
        }

        /** An RSA key as a PKCS#1 {@code RSA PRIVATE KEY} (as {@code openssl genrsa} used to write). */
        String pkcs1KeyPem() {
            return pem("RSA PRIVATE KEY", pkcs1(key.getEncoded()));
        }

        /** A context serving this certificate (for a broker on loopback). */
        SSLContext serverContext() throws Exception {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("k", key, PASSWORD.toCharArray(), chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, PASSWORD.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        }

        /** A client context trusting only the last certificate of the chain (its root). */
        SSLContext trustingRoot() throws Exception {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("root", chain.get(chain.size() - 1));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        }
    }

    /** A self-signed certificate for localhost and 127.0.0.1; {@code keyAlg} is RSA or EC. */
    static Issued selfSigned(Path dir, String keyAlg) throws Exception {
        Path store = dir.resolve("self-" + keyAlg + "-" + System.nanoTime() + ".p12");
        genKeyPair(store, "server", keyAlg, "CN=localhost", "san=dns:localhost,ip:127.0.0.1");
        KeyStore keys = load(store);
        return new Issued(List.of((X509Certificate) keys.getCertificate("server")),
                (PrivateKey) keys.getKey("server", PASSWORD.toCharArray()));
    }

    /** A certificate for 127.0.0.1 signed by a new private CA; the chain is leaf then CA. */
    static Issued fromPrivateCa(Path dir) throws Exception {
        return fromPrivateCa(dir, "san=ip:127.0.0.1");
    }

    /** A certificate with the subject alternative names {@code san} signed by a new private CA. */
    static Issued fromPrivateCa(Path dir, String san) throws Exception {
        Path store = dir.resolve("ca-" + System.nanoTime() + ".p12");
        genKeyPair(store, "ca", "EC", "CN=Test Private CA", "bc:c");
        genKeyPair(store, "leaf", "EC", "CN=localhost", san);
        Path request = dir.resolve("leaf.csr");
        Path issued = dir.resolve("leaf.pem");
        keytool("-certreq", "-alias", "leaf", "-keystore", store.toString(), "-storepass", PASSWORD,
                "-file", request.toString());
        keytool("-gencert", "-alias", "ca", "-keystore", store.toString(), "-storepass", PASSWORD, "-rfc",
                "-infile", request.toString(), "-outfile", issued.toString(), "-ext", san,
                "-validity", "2");
        KeyStore keys = load(store);
        X509Certificate leaf;
        try (InputStream in = Files.newInputStream(issued)) {
            leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        return new Issued(List.of(leaf, (X509Certificate) keys.getCertificate("ca")),
                (PrivateKey) keys.getKey("leaf", PASSWORD.toCharArray()));
    }

    static Path write(Path dir, String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.US_ASCII);
    }

    private static void genKeyPair(Path store, String alias, String keyAlg, String dname, String ext)
            throws Exception {
        keytool("-genkeypair", "-alias", alias, "-keyalg", keyAlg, "-keysize", "RSA".equals(keyAlg) ? "2048" : "256",
                "-dname", dname, "-ext", ext, "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(Arrays.asList(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool " + args[0] + " failed: " + output);
        }
    }

    private static KeyStore load(Path store) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(store.toFile())) {
            keys.load(in, PASSWORD.toCharArray());
        }
        return keys;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** The RSAPrivateKey inside a PKCS#8 PrivateKeyInfo: its last element, an OCTET STRING. */
    private static byte[] pkcs1(byte[] pkcs8) {
        int[] at = {0};
        header(pkcs8, at); // the outer SEQUENCE
        skip(pkcs8, at); // version
        skip(pkcs8, at); // algorithm
        int length = header(pkcs8, at); // the OCTET STRING
        return Arrays.copyOfRange(pkcs8, at[0], at[0] + length);
    }

    private static void skip(byte[] der, int[] at) {
        int length = header(der, at); // moves at past the header first
        at[0] += length;
    }

    /** Reads a tag and length at {@code at}, leaving it at the content; returns the content length. */
    private static int header(byte[] der, int[] at) {
        at[0]++; // tag
        int first = der[at[0]++] & 0xff;
        if (first < 0x80) {
            return first;
        }
        int length = 0;
        for (int i = 0; i < (first & 0x7f); i++) {
            length = (length << 8) | (der[at[0]++] & 0xff);
        }
        return length;
    }
}
