package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.api.model.Notification;
import org.servicemanager.api.model.NotificationType;
import org.servicemanager.standalone.StandaloneServer.ConfigurationException;
import org.servicemanager.standalone.StandaloneServer.Running;
import org.servicemanager.standalone.TestCertificates.Issued;

@DisplayName("the standalone server with TLS: HTTPS to its clients, custom trust roots to brokers")
class StandaloneTlsTest {
    private static final String ADMIN = "admin:given-pass";
    private static final String CATALOG = "{\"services\":[{\"id\":\"svc\",\"name\":\"tls-svc\",\"description\":\"d\","
            + "\"bindable\":true,\"plans\":[{\"id\":\"plan\",\"name\":\"small\",\"description\":\"d\"}]}]}";

    @TempDir
    Path dir;

    @Test
    @DisplayName("serves /v1/info over HTTPS with a PEM certificate and PKCS#8 RSA key, at an https base URL")
    void servesHttps() throws Exception {
        Issued cert = TestCertificates.selfSigned(dir, "RSA");
        try (Running server = StandaloneServer.start(env(cert, cert.keyPem()))) {
            assertThat(server.baseUrl()).isEqualTo("https://127.0.0.1:" + server.port());

            HttpResponse<String> info = get(client(cert.trustingRoot()), server.baseUrl() + "/v1/info", null);

            assertThat(info.statusCode()).isEqualTo(200);
            assertThat(info.sslSession()).isPresent();
        }
    }

    @Test
    @DisplayName("tells browsers to keep to https (HSTS) and refuses TLS renegotiation")
    void hstsAndNoRenegotiation() throws Exception {
        Issued cert = TestCertificates.selfSigned(dir, "RSA");
        try (Running server = StandaloneServer.start(env(cert, cert.keyPem()))) {
            HttpResponse<String> info = get(client(cert.trustingRoot()), server.baseUrl() + "/v1/info", null);

            assertThat(info.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=31536000");
            assertThat(server.tls().isRenegotiationAllowed()).isFalse();
        }
    }

    @Test
    @DisplayName("accepts a PKCS#8 EC key")
    void ecKey() throws Exception {
        Issued cert = TestCertificates.selfSigned(dir, "EC");
        try (Running server = StandaloneServer.start(env(cert, cert.keyPem()))) {
            assertThat(get(client(cert.trustingRoot()), server.baseUrl() + "/v1/info", null).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    @DisplayName("accepts a PKCS#1 RSA key")
    void pkcs1Key() throws Exception {
        Issued cert = TestCertificates.selfSigned(dir, "RSA");
        try (Running server = StandaloneServer.start(env(cert, cert.pkcs1KeyPem()))) {
            assertThat(get(client(cert.trustingRoot()), server.baseUrl() + "/v1/info", null).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    @DisplayName("plain HTTP to the TLS port gets no answer")
    void plainHttpFails() throws Exception {
        Issued cert = TestCertificates.selfSigned(dir, "RSA");
        try (Running server = StandaloneServer.start(env(cert, cert.keyPem()))) {
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

            assertThatThrownBy(() -> get(plain, "http://127.0.0.1:" + server.port() + "/v1/info", null))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    @DisplayName("offers only TLS 1.3 and 1.2 with forward-secret AEAD suites, and refuses a TLS 1.1 handshake")
    void modernProtocolsOnly() throws Exception {
        Issued cert = TestCertificates.selfSigned(dir, "RSA");
        try (Running server = StandaloneServer.start(env(cert, cert.keyPem()))) {
            assertThat(server.tls().getSelectedProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
            assertThat(server.tls().getSelectedCipherSuites()).isNotEmpty().allSatisfy(suite -> assertThat(suite)
                    .matches("TLS_(AES_|CHACHA20_|ECDHE_(ECDSA|RSA)_WITH_).*").doesNotStartWith("TLS_RSA_")
                            .doesNotContain("CBC", "NULL", "anon").doesNotEndWith("_SHA"));

            // The JDK's own client may refuse to offer TLS 1.1 at all, which would prove nothing about
            // the server: so a TLS 1.1 ClientHello is written by hand and the server's answer read.
            try (Socket socket = new Socket("127.0.0.1", server.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(tls11ClientHello());
                socket.getOutputStream().flush();
                byte[] answer = socket.getInputStream().readNBytes(7);

                // A ServerHello would start 0x16; refused is an alert (0x15) naming protocol_version (70).
                assertThat(answer).hasSize(7);
                assertThat(answer[0]).as("record type").isEqualTo((byte) 0x15);
                assertThat(answer[6]).as("alert description").isEqualTo((byte) 70);
            }
        }
    }

    @Test
    @DisplayName("serves the notification WebSocket over wss")
    void notificationsOverWss() throws Exception {
        Issued cert = TestCertificates.selfSigned(dir, "EC");
        try (Running server = StandaloneServer.start(env(cert, cert.keyPem()))) {
            HttpClient client = client(cert.trustingRoot());
            HttpResponse<String> created = client.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                    + "/v1/platforms")).header("Authorization", basic(ADMIN)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"wss-platform\",\"type\":\"cf\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).isEqualTo(201);
            String id = field(created.body(), "id");
            BlockingQueue<String> frames = new LinkedBlockingQueue<>();
            WebSocket ws = client.newWebSocketBuilder()
                    .header("Authorization", basic(field(created.body(), "username") + ":"
                            + field(created.body(), "password")))
                    .buildAsync(URI.create("wss://127.0.0.1:" + server.port() + "/v1/notifications"),
                            new WebSocket.Listener() {
                                @Override
                                public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                                    frames.add(data.toString());
                                    socket.request(1);
                                    return null;
                                }
                            })
                    .get(10, TimeUnit.SECONDS);
            try {
                server.serviceManager().store().inTransaction(tx -> tx.notifications().append(new Notification("n-1",
                        "/v1/visibilities", NotificationType.CREATED, id, 0, "{}", null, java.time.Instant.now())));

                assertThat(frames.poll(10, TimeUnit.SECONDS)).contains("\"id\":\"n-1\"");
            } finally {
                ws.abort();
            }
        }
    }

    @ParameterizedTest(name = "only {0}")
    @ValueSource(strings = {StandaloneTls.CERT_FILE, StandaloneTls.KEY_FILE})
    @DisplayName("refuses to start with only one of the certificate and key files, naming the missing one")
    void onlyOneFile(String given) throws Exception {
        Issued cert = TestCertificates.selfSigned(dir, "RSA");
        Path file = TestCertificates.write(dir, "file.pem", StandaloneTls.CERT_FILE.equals(given) ? cert.chainPem()
                : cert.keyPem());
        String missing = StandaloneTls.CERT_FILE.equals(given) ? StandaloneTls.KEY_FILE : StandaloneTls.CERT_FILE;

        assertThatThrownBy(() -> StandaloneServer.start(base(Map.of(given, file.toString()))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage(missing + " must be set too when " + given + " is set");
    }

    @Test
    @DisplayName("refuses to start with a key that is not the certificate's, naming SM_TLS_KEY_FILE")
    void mismatchedKey() throws Exception {
        Issued cert = TestCertificates.selfSigned(dir, "RSA");
        Issued other = TestCertificates.selfSigned(dir, "RSA");

        assertThatThrownBy(() -> StandaloneServer.start(env(cert, other.keyPem())))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("SM_TLS_KEY_FILE ")
                .hasMessageContaining("is not the private key of the first certificate in SM_TLS_CERT_FILE");
    }

    @Test
    @DisplayName("refuses to start with a certificate file holding no certificate, naming SM_TLS_CERT_FILE")
    void badCertificateFile() throws Exception {
        Issued cert = TestCertificates.selfSigned(dir, "RSA");
        Path certFile = TestCertificates.write(dir, "cert.pem", "not a certificate\n");
        Path keyFile = TestCertificates.write(dir, "key.pem", cert.keyPem());

        assertThatThrownBy(() -> StandaloneServer.start(base(Map.of(StandaloneTls.CERT_FILE, certFile.toString(),
                StandaloneTls.KEY_FILE, keyFile.toString()))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("SM_TLS_CERT_FILE '" + certFile + "'");
    }

    @Test
    @DisplayName("refuses to start with a key file holding no private key, naming SM_TLS_KEY_FILE")
    void badKeyFile() throws Exception {
        Issued cert = TestCertificates.selfSigned(dir, "RSA");

        assertThatThrownBy(() -> StandaloneServer.start(env(cert, cert.chainPem())))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("SM_TLS_KEY_FILE '")
                .hasMessageContaining("'CERTIFICATE' keys are not supported");
    }

    @Test
    @DisplayName("refuses to start when a file does not exist, naming the variable")
    void missingFile() throws Exception {
        Path absent = dir.resolve("absent.pem");

        assertThatThrownBy(() -> StandaloneServer.start(base(Map.of(StandaloneTls.BROKER_TRUST_FILE,
                absent.toString()))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("SM_BROKER_TRUST_FILE '" + absent + "' cannot be read");
    }

    @Test
    @DisplayName("reaches a broker whose certificate a private CA signed only when SM_BROKER_TRUST_FILE names the CA")
    void brokerWithPrivateCa() throws Exception {
        Issued brokerCert = TestCertificates.fromPrivateCa(dir);
        HttpsServer broker = broker(brokerCert);
        try {
            String brokerUrl = "https://127.0.0.1:" + broker.getAddress().getPort();
            try (Running untrusting = StandaloneServer.start(base(Map.of()))) {
                HttpResponse<String> refused = register(untrusting, "untrusted", brokerUrl);

                assertThat(refused.statusCode()).as(refused.body()).isNotEqualTo(201);
                assertThat(refused.body()).contains("could not be reached");
            }
            X509Certificate ca = brokerCert.chain().get(1);
            Path trust = TestCertificates.write(dir, "trust.pem", new Issued(List.of(ca), null).chainPem());
            try (Running trusting = StandaloneServer.start(base(Map.of(StandaloneTls.BROKER_TRUST_FILE,
                    trust.toString())))) {
                HttpResponse<String> registered = register(trusting, "trusted", brokerUrl);

                assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
            }
        } finally {
            broker.stop(0);
        }
    }

    @Test
    @DisplayName("with SM_BROKER_TRUST_FILE still refuses a broker whose certificate names another host")
    void hostnameStillVerified() throws Exception {
        // Signed by the trusted CA, but for "localhost" only, and reached as 127.0.0.1.
        Issued brokerCert = TestCertificates.fromPrivateCa(dir, "san=dns:localhost");
        HttpsServer broker = broker(brokerCert);
        try {
            Path trust = TestCertificates.write(dir, "trust.pem",
                    new Issued(List.of(brokerCert.chain().get(1)), null).chainPem());
            try (Running server = StandaloneServer.start(base(Map.of(StandaloneTls.BROKER_TRUST_FILE,
                    trust.toString())))) {
                HttpResponse<String> refused = register(server, "wrong-host",
                        "https://127.0.0.1:" + broker.getAddress().getPort());

                assertThat(refused.statusCode()).as(refused.body()).isNotEqualTo(201);
                assertThat(refused.body()).contains("could not be reached");
            }
        } finally {
            broker.stop(0);
        }
    }

    @Test
    @DisplayName("the broker trust store keeps every JDK default root beside the configured ones")
    void jdkRootsStillTrusted() throws Exception {
        Issued brokerCert = TestCertificates.fromPrivateCa(dir);
        X509Certificate ca = brokerCert.chain().get(1);
        Path trust = TestCertificates.write(dir, "trust.pem", new Issued(List.of(ca), null).chainPem());
        List<X509Certificate> defaults = StandaloneTls.defaultRoots();

        KeyStore store = StandaloneTls.brokerTrustStore(Map.of(StandaloneTls.BROKER_TRUST_FILE, trust.toString()));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        X509TrustManager manager = (X509TrustManager) tmf.getTrustManagers()[0];

        assertThat(defaults).as("the JDK ships default roots").isNotEmpty();
        assertThat(manager.getAcceptedIssuers()).contains(ca).contains(defaults.toArray(new X509Certificate[0]));
    }

    /**
     * A ClientHello offering TLS 1.1 only (record and handshake version 3.2, no supported_versions
     * extension) with suites any TLS 1.1 server would know: ECDHE-RSA/ECDSA with AES-CBC-SHA.
     */
    private static byte[] tls11ClientHello() {
        byte[] suites = {0x00, 0x04, (byte) 0xc0, 0x13, (byte) 0xc0, 0x09};
        byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x03, 0x02});
        body.writeBytes(random);
        body.write(0); // no session id
        body.writeBytes(suites);
        body.writeBytes(new byte[] {0x01, 0x00}); // null compression only
        byte[] hello = body.toByteArray();
        java.io.ByteArrayOutputStream record = new java.io.ByteArrayOutputStream();
        record.writeBytes(new byte[] {0x16, 0x03, 0x02, 0, (byte) (hello.length + 4)});
        record.writeBytes(new byte[] {0x01, 0, 0, (byte) hello.length});
        record.writeBytes(hello);
        return record.toByteArray();
    }

    /** A broker on loopback serving a catalog over https with {@code cert}. */
    private static HttpsServer broker(Issued cert) throws Exception {
        HttpsServer broker = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        broker.setHttpsConfigurator(new HttpsConfigurator(cert.serverContext()));
        broker.createContext("/v2/catalog", exchange -> {
            byte[] body = CATALOG.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        broker.start();
        return broker;
    }

    private Map<String, String> env(Issued cert, String keyPem) throws Exception {
        Path certFile = TestCertificates.write(dir, "cert-" + System.nanoTime() + ".pem", cert.chainPem());
        Path keyFile = TestCertificates.write(dir, "key-" + System.nanoTime() + ".pem", keyPem);
        return base(Map.of(StandaloneTls.CERT_FILE, certFile.toString(), StandaloneTls.KEY_FILE, keyFile.toString()));
    }

    private static Map<String, String> base(Map<String, String> more) {
        Map<String, String> env = new HashMap<>(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "given-pass", "SM_BROKER_TIMEOUT_SECONDS", "10"));
        env.putAll(more);
        return env;
    }

    private static HttpResponse<String> register(Running server, String name, String brokerUrl) throws Exception {
        return send(HttpClient.newHttpClient(), HttpRequest.newBuilder(URI.create(server.baseUrl()
                + "/v1/service_brokers")).header("Authorization", basic(ADMIN)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"broker_url\":\"" + brokerUrl
                        + "\",\"credentials\":{\"basic\":{\"username\":\"u\",\"password\":\"p\"}}}")));
    }

    private static HttpClient client(SSLContext context) {
        return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static HttpResponse<String> get(HttpClient client, String url, String credentials) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (credentials != null) {
            request.header("Authorization", basic(credentials));
        }
        return send(client, request);
    }

    private static HttpResponse<String> send(HttpClient client, HttpRequest.Builder request) throws Exception {
        return client.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]+)\"").matcher(json);
        assertThat(m.find()).as("%s in %s", name, json).isTrue();
        return m.group(1);
    }

    private static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }
}
