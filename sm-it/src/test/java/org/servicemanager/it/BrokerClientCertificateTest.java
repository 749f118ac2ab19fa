package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.jdk.SmHttpServer;
import org.servicemanager.storage.memory.MemoryStore;

/**
 * A broker that demands a TLS client certificate: registration works with the certificate in the
 * broker's credentials, and fails cleanly (502, never 500) without it. Keys and certificates are
 * made at test time with the JDK's keytool.
 */
class BrokerClientCertificateTest {
    private static final String CATALOG = "{\"services\":[{\"id\":\"tls-svc\",\"name\":\"tls-svc\","
            + "\"description\":\"d\",\"bindable\":true,\"plans\":[{\"id\":\"tls-p1\",\"name\":\"small\","
            + "\"description\":\"d\"}]}]}";
    private static final char[] PASS = "changeit".toCharArray();

    @TempDir
    static Path dir;
    static HttpsServer broker;
    static SmHttpServer server;
    static String clientCertificatePem;
    static String clientKeyPem;
    static final AtomicInteger catalogCalls = new AtomicInteger();
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        KeyStore serverKeys = generate("broker");
        KeyStore clientKeys = generate("client");
        clientCertificatePem = pem("CERTIFICATE", clientKeys.getCertificate("client").getEncoded());
        clientKeyPem = pem("PRIVATE KEY", clientKeys.getKey("client", PASS).getEncoded());

        SSLContext brokerTls = SSLContext.getInstance("TLS");
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(serverKeys, PASS);
        brokerTls.init(kmf.getKeyManagers(), trusting(clientKeys.getCertificate("client")).getTrustManagers(), null);
        broker = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        broker.setHttpsConfigurator(new HttpsConfigurator(brokerTls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
                parameters.setNeedClientAuth(true);
                params.setSSLParameters(parameters);
            }
        });
        broker.createContext("/v2/catalog", exchange -> {
            catalogCalls.incrementAndGet();
            byte[] body = CATALOG.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        broker.start();

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("broker", serverKeys.getCertificate("broker"));
        ServiceManager sm = ServiceManager.builder()
                .store(new MemoryStore())
                .adminUserWithHash("admin", ServiceManager.Builder.hashPassword("admin-pass"))
                .brokerTrustStore(trust)
                .build();
        server = SmHttpServer.start(sm, new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterAll
    static void stop() {
        server.close();
        broker.stop(0);
    }

    @Test
    @DisplayName("a broker that requires a client certificate is registered with the certificate from its credentials")
    void registersWithClientCertificate() throws Exception {
        int before = catalogCalls.get();
        HttpResponse<String> response = register("tls-broker", "\"tls\": {\"client_certificate\": "
                + json(clientCertificatePem) + ", \"client_key\": " + json(clientKeyPem) + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(response.body()).doesNotContain("PRIVATE KEY").doesNotContain("client_key");
        assertThat(catalogCalls.get()).isEqualTo(before + 1);
        HttpResponse<String> plans = send(HttpRequest.newBuilder(uri("/v1/service_plans?fieldQuery="
                + "catalog_id+eq+%27tls-p1%27")).GET());
        assertThat(plans.body()).contains("\"num_items\":1");
    }

    @Test
    @DisplayName("a PKCS#1 'RSA PRIVATE KEY' works as well as a PKCS#8 key")
    void acceptsPkcs1Key() throws Exception {
        String pkcs1 = pem("RSA PRIVATE KEY", pkcs1(Base64.getMimeDecoder().decode(clientKeyPem
                .replaceAll("-----[A-Z ]+-----", ""))));
        HttpResponse<String> response = register("tls-broker-pkcs1", "\"tls\": {\"client_certificate\": "
                + json(clientCertificatePem) + ", \"client_key\": " + json(pkcs1) + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    /** The RSAPrivateKey inside a PKCS#8 PrivateKeyInfo: SEQUENCE { INTEGER, SEQUENCE, OCTET STRING }. */
    private static byte[] pkcs1(byte[] pkcs8) {
        int[] pos = {0};
        header(pkcs8, pos, 0x30);
        int version = header(pkcs8, pos, 0x02);
        pos[0] += version;
        int algorithm = header(pkcs8, pos, 0x30);
        pos[0] += algorithm;
        int length = header(pkcs8, pos, 0x04);
        return java.util.Arrays.copyOfRange(pkcs8, pos[0], pos[0] + length);
    }

    /** Reads a DER tag and length at pos (moving past them) and returns the content length. */
    private static int header(byte[] der, int[] pos, int tag) {
        assertThat(der[pos[0]++] & 0xff).isEqualTo(tag);
        int first = der[pos[0]++] & 0xff;
        if (first < 0x80) {
            return first;
        }
        int length = 0;
        for (int i = 0; i < (first & 0x7f); i++) {
            length = (length << 8) | (der[pos[0]++] & 0xff);
        }
        return length;
    }

    @Test
    @DisplayName("without the client certificate the TLS handshake fails and the answer is 502, naming the broker")
    void failsWithoutCertificate() throws Exception {
        HttpResponse<String> response = register("tls-broker-no-cert",
                "\"basic\": {\"username\": \"u\", \"password\": \"p\"}");
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("\"error\":\"BrokerUnreachable\"").contains("tls-broker-no-cert");
    }

    @Test
    @DisplayName("a client key that is not PEM is a 400 that says which field is wrong")
    void rejectsBadKey() throws Exception {
        HttpResponse<String> response = register("tls-broker-bad-key", "\"tls\": {\"client_certificate\": "
                + json(clientCertificatePem) + ", \"client_key\": \"not a key\"}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("credentials.tls.client_key");
    }

    @Test
    @DisplayName("a PEM block whose base64 is broken is a 400, not a 500")
    void rejectsBrokenBase64() throws Exception {
        HttpResponse<String> response = register("tls-broker-broken", "\"tls\": {\"client_certificate\": "
                + json(clientCertificatePem) + ", \"client_key\": "
                + json("-----BEGIN PRIVATE KEY-----\nA=B\n-----END PRIVATE KEY-----\n") + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.body()).contains("credentials.tls");
    }

    private static HttpResponse<String> register(String name, String credentials) throws Exception {
        String body = "{\"name\": \"" + name + "\", \"broker_url\": \"https://127.0.0.1:" + broker.getAddress().getPort()
                + "\", \"credentials\": {" + credentials + "}}";
        return send(HttpRequest.newBuilder(uri("/v1/service_brokers"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        String auth = Base64.getEncoder().encodeToString("admin:admin-pass".getBytes(StandardCharsets.UTF_8));
        return http.send(request.header("Authorization", "Basic " + auth).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create(server.baseUrl() + path);
    }

    private static String json(String value) {
        return "\"" + value.replace("\n", "\\n") + "\"";
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static TrustManagerFactory trusting(Certificate certificate) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("peer", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf;
    }

    /** A PKCS#12 store with a fresh RSA key and self-signed certificate for 127.0.0.1, from keytool. */
    private static KeyStore generate(String alias) throws IOException, InterruptedException, Exception {
        Path file = dir.resolve(alias + ".p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process process = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", alias, "-keyalg", "RSA",
                "-keysize", "2048", "-dname", "CN=" + alias, "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-keystore", file.toString(), "-storetype", "PKCS12",
                "-storepass", new String(PASS), "-keypass", new String(PASS)))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(file.toFile())) {
            store.load(in, PASS);
        }
        assertThat(Files.size(file)).isPositive();
        return store;
    }
}
