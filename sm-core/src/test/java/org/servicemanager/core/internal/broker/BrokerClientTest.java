package org.servicemanager.core.internal.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
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
                .hasMessageContaining("'fake'").hasMessageContaining("GET /v2/trickle");
    }
}
