package org.servicemanager.core.internal.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.servicemanager.api.BrokerException;
import org.servicemanager.api.BrokerUnreachableException;
import org.servicemanager.api.BrokerTimeoutException;
import org.servicemanager.api.model.BrokerCredentials;

@DisplayName("BrokerClient against a broker on loopback")
class BrokerClientTest {
    private static final BrokerCredentials CREDENTIALS = new BrokerCredentials("u", "p", null, null, null);

    private HttpServer broker;
    private ExecutorService brokerThreads;
    /** Holds the answers of {@code /v2/gated} until released. */
    private final CountDownLatch gate = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        broker = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        brokerThreads = Executors.newCachedThreadPool();
        broker.setExecutor(brokerThreads);
        broker.createContext("/v2/gated", exchange -> {
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        broker.createContext("/v2/fast", exchange -> {
            byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Retry-After", "7");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        broker.createContext("/v2/trickle", exchange -> {
            exchange.sendResponseHeaders(200, 100);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("{\"a\":".getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // The client gave up, as it should.
            }
        });
        broker.start();
    }

    @AfterEach
    void stop() {
        gate.countDown();
        broker.stop(0);
        brokerThreads.shutdownNow();
    }

    private CompletableFuture<BrokerClient.BrokerResponse> get(BrokerClient client, String path) {
        URI uri = URI.create("http://127.0.0.1:" + broker.getAddress().getPort() + path);
        return client.send("fake", CREDENTIALS, new BrokerClient.BrokerRequest("GET", uri, Map.of(), null));
    }

    @Test
    @DisplayName("answers with the broker's status, headers and body")
    void answers() throws Exception {
        BrokerClient client = new BrokerClient(Duration.ofSeconds(5), Duration.ofSeconds(5), 1024, null);

        BrokerClient.BrokerResponse response = get(client, "/v2/fast").get(5, TimeUnit.SECONDS);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyText()).isEqualTo("{\"ok\":true}");
        assertThat(response.headers().get("retry-after")).containsExactly("7");
    }

    @Test
    @DisplayName("a caller's continuation never runs on the client's I/O thread: while one blocks, other answers arrive")
    void continuationsDoNotBlockIo() throws Exception {
        BrokerClient client = new BrokerClient(Duration.ofSeconds(5), Duration.ofSeconds(5), 1024, null);
        CountDownLatch blocking = new CountDownLatch(1);
        CountDownLatch otherAnswered = new CountDownLatch(1);

        // If this continuation ran where the client reads answers, the second answer could not be
        // read until it returned, and it would wait out its five seconds in vain.
        CompletableFuture<Boolean> first = get(client, "/v2/gated").thenApply(response -> {
            blocking.countDown();
            try {
                return otherAnswered.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        // The broker answers only now, so the continuation is attached before the answer arrives.
        gate.countDown();
        assertThat(blocking.await(5, TimeUnit.SECONDS)).isTrue();
        get(client, "/v2/fast").thenRun(otherAnswered::countDown);

        assertThat(first.get(10, TimeUnit.SECONDS)).as("the second answer arrived while the first caller blocked")
                .isTrue();
    }

    @Test
    @DisplayName("the whole answer must arrive within the read timeout: a trickling body is a timeout")
    void tricklingBodyTimesOut() {
        BrokerClient client = new BrokerClient(Duration.ofSeconds(30), Duration.ofMillis(300), 1024, null);

        // Bounded by the read timeout alone, not read plus connect timeout (30 s).
        assertThatThrownBy(() -> get(client, "/v2/trickle").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(BrokerTimeoutException.class)
                .hasMessageContaining("'fake'").hasMessageContaining("GET /v2/trickle")
                // A timeout under a second is given in milliseconds, never rounded to "0 s".
                .hasMessageContaining("within 300 ms");
    }

    @Test
    @DisplayName("close() ends the client's timer and callback threads, and later calls fail at once")
    void closeEndsThreads() throws Exception {
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        BrokerClient client = new BrokerClient(Duration.ofSeconds(5), Duration.ofSeconds(5), 1024, null);
        get(client, "/v2/fast").get(5, TimeUnit.SECONDS);
        Set<Thread> started = new HashSet<>(Thread.getAllStackTraces().keySet());
        started.removeAll(before);
        started.removeIf(t -> !t.getName().startsWith("sm-broker-"));
        assertThat(started).as("threads the call started").isNotEmpty();

        client.close();

        for (Thread thread : started) {
            thread.join(5_000);
            assertThat(thread.isAlive()).as("%s after close()", thread.getName()).isFalse();
        }
        assertThatThrownBy(() -> get(client, "/v2/fast").get(5, TimeUnit.SECONDS))
                .cause().isInstanceOf(BrokerException.class).hasMessageContaining("closed");
    }

    @Test
    @DisplayName("a TLS identity whose calls never reached its broker keeps no client after the failure")
    void failedTlsIdentityIsDropped(@TempDir Path dir) throws Exception {
        BrokerClient client = new BrokerClient(Duration.ofSeconds(5), Duration.ofSeconds(5), 1024, null);
        // Nothing listens there, as when a registration names a wrong URL.
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        URI uri = URI.create("https://127.0.0.1:" + closedPort + "/v2/catalog");
        BrokerCredentials tls = tlsCredentials(dir);

        for (int attempt = 0; attempt < 3; attempt++) {
            assertThatThrownBy(() -> client.send("fake", tls, new BrokerClient.BrokerRequest("GET", uri, Map.of(),
                    null)).get(10, TimeUnit.SECONDS)).cause().isInstanceOf(BrokerUnreachableException.class);
        }

        assertThat(client.tlsClientCount()).isZero();
        client.close();
    }

    /** Basic credentials plus a fresh client certificate and key, made with the JDK's keytool. */
    private static BrokerCredentials tlsCredentials(Path dir) throws Exception {
        char[] pass = "changeit".toCharArray();
        Path file = dir.resolve("client.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process process = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "client", "-keyalg", "EC",
                "-dname", "CN=client", "-validity", "2", "-keystore", file.toString(), "-storetype", "PKCS12",
                "-storepass", new String(pass), "-keypass", new String(pass))).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(file)) {
            keys.load(in, pass);
        }
        return new BrokerCredentials("u", "p", null, pem("CERTIFICATE", keys.getCertificate("client").getEncoded()),
                pem("PRIVATE KEY", keys.getKey("client", pass).getEncoded()));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
