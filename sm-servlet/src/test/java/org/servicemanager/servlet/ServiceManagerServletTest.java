package org.servicemanager.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.servicemanager.servlet.Container.Mount;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.memory.MemoryStore;

@DisplayName("ServiceManagerServlet in a real Servlet 6 container")
@ParameterizedClass(name = "in {0}")
@EnumSource(Container.class)
class ServiceManagerServletTest {
    private static final String ADMIN = "Basic "
            + Base64.getEncoder().encodeToString("admin:admin-pass".getBytes(StandardCharsets.UTF_8));
    private static final int MAX_BODY_BYTES = 4096;
    /** Few enough that six requests blocking a thread each would starve everything else. */
    private static final int MAX_THREADS = 8;

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** Declared so that JUnit passes it to the class-invocation methods below, too. */
    @Parameter
    Container container;

    private static ServiceManager sm;
    private static Container.Running server;

    @BeforeParameterizedClassInvocation
    static void start(Container container) throws Exception {
        // One Service Manager per container: adminUser hashes with PBKDF2, which takes a while.
        sm = ServiceManager.builder()
                .store(new MemoryStore())
                .adminUser("admin", "admin-pass")
                .maxRequestBodyBytes(MAX_BODY_BYTES)
                .brokerReadTimeout(Duration.ofSeconds(20))
                .build();
        server = container.start(MAX_THREADS,
                Mount.of("/", "/*", new ServiceManagerServlet(sm)),
                Mount.of("/sm", "/api/*", new ServiceManagerServlet(sm)),
                new Mount("/sync", "/*", new ServiceManagerServlet(sm), false));
    }

    @AfterParameterizedClassInvocation
    static void stop() throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
        if (sm != null) {
            sm.close();
            sm.store().close();
        }
    }

    @Nested
    @DisplayName("mounted at the root")
    class AtTheRoot {

        @Test
        @DisplayName("GET /v1/info answers 200 with a JSON body and its Content-Length")
        void info() throws Exception {
            HttpResponse<String> response = send(get("/v1/info").build());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/json"));
            assertThat(response.headers().firstValueAsLong("Content-Length"))
                    .hasValue(response.body().getBytes(StandardCharsets.UTF_8).length);
            assertThat(response.body()).contains("\"version\"");
        }

        @Test
        @DisplayName("HEAD /v1/info answers 200 with the GET's headers and Content-Length but no body")
        void head() throws Exception {
            HttpResponse<String> get = send(get("/v1/info").build());
            HttpResponse<String> head = send(get("/v1/info").method("HEAD", HttpRequest.BodyPublishers.noBody()).build());

            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            assertThat(head.headers().firstValueAsLong("Content-Length"))
                    .hasValue(get.body().getBytes(StandardCharsets.UTF_8).length);
            assertThat(head.headers().firstValue("Content-Type")).isEqualTo(get.headers().firstValue("Content-Type"));
        }

        @Test
        @DisplayName("a request without credentials gets 401 with a WWW-Authenticate challenge")
        void unauthorized() throws Exception {
            HttpResponse<String> response = send(get("/v1/platforms").build());

            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                    challenge -> assertThat(challenge).startsWith("Basic"));
        }

        @Test
        @DisplayName("POST /v1/platforms with admin credentials answers 201 with the platform's credentials")
        void createPlatform() throws Exception {
            HttpResponse<String> response = send(postJson("/v1/platforms",
                    "{\"name\":\"root-platform\",\"type\":\"kubernetes\"}").build());

            assertThat(response.statusCode()).isEqualTo(201);
            assertThat(response.body()).contains("\"credentials\"", "\"basic\"", "\"password\"");
        }

        @Test
        @DisplayName("request headers reach the Service Manager (its correlation id comes back)")
        void headers() throws Exception {
            HttpResponse<String> response = send(get("/v1/info").header("X-Correlation-ID", "servlet-test-42")
                    .build());

            assertThat(response.headers().firstValue("X-Correlation-ID")).hasValue("servlet-test-42");
        }

        @Test
        @DisplayName("an unknown path gets the Service Manager's 404 JSON body, not the container's error page")
        void notFound() throws Exception {
            HttpResponse<String> response = send(request("/v1/no_such_thing").GET().build());

            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/json"));
            assertThat(response.body()).startsWith("{").contains("\"error\"", "\"description\"");
        }

        @Test
        @DisplayName("a method the route does not allow gets the Service Manager's 405 JSON body")
        void methodNotAllowed() throws Exception {
            HttpResponse<String> response = send(request("/v1/info")
                    .method("DELETE", HttpRequest.BodyPublishers.noBody()).build());

            assertThat(response.statusCode()).isEqualTo(405);
            assertThat(response.body()).startsWith("{").contains("\"error\"", "\"description\"");
        }

        @Test
        @DisplayName("a malformed JSON body gets the Service Manager's 400 JSON body")
        void badJson() throws Exception {
            HttpResponse<String> response = send(postJson("/v1/platforms", "{\"name\":").build());

            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.body()).startsWith("{").contains("\"error\"", "\"description\"");
        }

        @Test
        @DisplayName("HEAD of an unknown path gets 404 with the GET's Content-Length and no body")
        void headNotFound() throws Exception {
            HttpResponse<String> get = send(request("/v1/no_such_thing").GET().build());
            HttpResponse<String> head = send(request("/v1/no_such_thing")
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());

            assertThat(head.statusCode()).isEqualTo(404);
            assertThat(head.body()).isEmpty();
            assertThat(head.headers().firstValue("Content-Type")).isEqualTo(get.headers().firstValue("Content-Type"));
            assertThat(head.headers().firstValueAsLong("Content-Length"))
                    .hasValue(get.body().getBytes(StandardCharsets.UTF_8).length);
        }

        @Test
        @DisplayName("a body over the limit with a Content-Length gets 413")
        void oversizedWithLength() throws Exception {
            HttpResponse<String> response = send(request("/v1/platforms")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(oversizedBody()))
                    .build());

            assertThat(response.statusCode()).isEqualTo(413);
        }

        @Test
        @DisplayName("a chunked body (no Content-Length) over the limit gets 413")
        void oversizedChunked() throws Exception {
            byte[] body = oversizedBody();
            HttpResponse<String> response = send(request("/v1/platforms")
                    .header("Content-Type", "application/json")
                    // No known length: the client sends it chunked.
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                    .build());

            assertThat(response.statusCode()).isEqualTo(413);
        }
    }

    @Nested
    @DisplayName("with bodies that arrive slowly")
    class SlowBodies {

        @Test
        @DisplayName("a body sent in parts after its headers is read without a thread and the request answered")
        void bodyInParts() throws Exception {
            String body = "{\"name\":\"late-body\",\"type\":\"cf\"}";
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.uri("/").getPort())) {
                socket.setSoTimeout(10_000);
                java.io.OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/platforms HTTP/1.1\r\nHost: x\r\nAuthorization: " + ADMIN
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                for (int i = 0; i < body.length(); i += 10) {
                    Thread.sleep(100);
                    out.write(body.substring(i, Math.min(body.length(), i + 10)).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

                assertThat(answer).startsWith("HTTP/1.1 201").contains("\"name\":\"late-body\"");
            }
        }

        @Test
        @DisplayName("while more slow bodies arrive than the container has threads, other requests are answered")
        void slowBodiesHoldNoThreads() throws Exception {
            try (org.servicemanager.test.http.SlowClients slow = org.servicemanager.test.http.SlowClients
                    .trickleBodies("127.0.0.1", server.uri("/").getPort(), "/v1/platforms", 1_000,
                            MAX_THREADS * 2, Duration.ofMillis(200))) {
                Thread.sleep(300);

                HttpResponse<String> response = HTTP.sendAsync(get("/v1/info").build(),
                        HttpResponse.BodyHandlers.ofString()).get(20, TimeUnit.SECONDS);

                assertThat(response.statusCode()).as("with %d slow connections open", slow.open()).isEqualTo(200);
            }
        }
    }

    @Nested
    @DisplayName("mounted at context path /sm and servlet path /api")
    class Mounted {

        @Test
        @DisplayName("routes the path below the mount point")
        void routes() throws Exception {
            assertThat(send(get("/sm/api/v1/info").build()).statusCode()).isEqualTo(200);
            assertThat(send(get("/sm/api/v1/platforms").build()).statusCode()).isEqualTo(401);
        }

        @Test
        @DisplayName("the Link header of a paged list points back through the mount point")
        void pagingLink() throws Exception {
            for (int i = 1; i <= 3; i++) {
                assertThat(send(postJson("/sm/api/v1/platforms",
                        "{\"name\":\"mounted-" + i + "\",\"type\":\"cloudfoundry\"}").build()).statusCode())
                        .isEqualTo(201);
            }

            HttpResponse<String> first = send(request("/sm/api/v1/platforms?max_items=1").GET().build());

            assertThat(first.statusCode()).isEqualTo(200);
            String link = first.headers().firstValue("Link").orElseThrow();
            assertThat(link).startsWith("</sm/api/v1/platforms?max_items=1&token=").endsWith(">; rel=\"next\"");
            String next = link.substring(1, link.indexOf('>'));
            assertThat(send(request(next).GET().build()).statusCode()).isEqualTo(200);
        }

        @Test
        @DisplayName("the OpenAPI document served through the mount names the mount point as its server")
        void openApiServer() throws Exception {
            HttpResponse<String> mounted = send(get("/sm/api/v1/openapi.json").build());
            HttpResponse<String> atRoot = send(get("/v1/openapi.json").build());

            assertThat(mounted.statusCode()).isEqualTo(200);
            assertThat(mounted.body()).contains("\"servers\":[{\"url\":\"/sm/api\"");
            assertThat(atRoot.body()).contains("\"servers\":[{\"url\":\"/\"");
            assertThat(mounted.headers().firstValue("ETag")).isNotEqualTo(atRoot.headers().firstValue("ETag"));
        }
    }

    @Nested
    @DisplayName("while requests wait for a slow broker")
    class Async {
        private static final int SLOW_REQUESTS = 6;
        private static final int FAST_REQUESTS = 10;

        @Test
        @DisplayName("they hold no container thread: fast requests answer first and the slow ones still get 201")
        void slowBrokersDoNotHoldThreads() throws Exception {
            // Warm up the fast path so that what is compared below is threads, not class loading.
            assertThat(send(get("/v1/info").build()).statusCode()).isEqualTo(200);
            try (SlowBroker broker = new SlowBroker(Duration.ofSeconds(1))) {
                List<CompletableFuture<Timed>> registrations = new ArrayList<>();
                for (int i = 1; i <= SLOW_REQUESTS; i++) {
                    registrations.add(timed(registerBroker("/v1/service_brokers", "slow-" + i, broker)));
                }
                // Every registration is now inside the Service Manager, waiting for the broker.
                assertThat(broker.awaitArrivals(SLOW_REQUESTS, Duration.ofSeconds(10))).isTrue();

                List<CompletableFuture<Timed>> infos = new ArrayList<>();
                for (int i = 0; i < FAST_REQUESTS; i++) {
                    infos.add(timed(get("/v1/info").build()));
                }

                List<Timed> fast = join(infos);
                List<Timed> slow = join(registrations);
                assertThat(fast).extracting(Timed::status).containsOnly(200);
                assertThat(slow).extracting(Timed::status).containsOnly(201);
                long lastFast = fast.stream().mapToLong(Timed::doneNanos).max().orElseThrow();
                long firstSlow = slow.stream().mapToLong(Timed::doneNanos).min().orElseThrow();
                assertThat(lastFast).as("the last fast answer came before the first slow one").isLessThan(firstSlow);
            }
        }

        @Test
        @DisplayName("a servlet registered without async support still answers them, on the container thread")
        void withoutAsyncSupport() throws Exception {
            try (SlowBroker broker = new SlowBroker(Duration.ofMillis(100))) {
                HttpResponse<String> response = send(registerBroker("/sync/v1/service_brokers", "sync-1", broker));

                assertThat(response.statusCode()).isEqualTo(201);
            }
        }

        private HttpRequest registerBroker(String path, String name, SlowBroker broker) {
            return postJson(path, "{\"name\":\"" + name + "\",\"broker_url\":\"" + broker.url()
                    + "\",\"credentials\":{\"basic\":{\"username\":\"u\",\"password\":\"p\"}}}").build();
        }

        private CompletableFuture<Timed> timed(HttpRequest request) {
            return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .thenApply(response -> new Timed(response.statusCode(), System.nanoTime()));
        }

        private List<Timed> join(List<CompletableFuture<Timed>> futures) throws Exception {
            List<Timed> result = new ArrayList<>();
            for (CompletableFuture<Timed> future : futures) {
                result.add(future.get(30, TimeUnit.SECONDS));
            }
            return result;
        }
    }

    private record Timed(int status, long doneNanos) {
    }

    private static byte[] oversizedBody() {
        byte[] body = new byte[MAX_BODY_BYTES * 4];
        Arrays.fill(body, (byte) ' ');
        return body;
    }

    /** A request with admin credentials. */
    private static HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(server.uri(pathAndQuery)).timeout(Duration.ofSeconds(30))
                .header("Authorization", ADMIN);
    }

    /** A GET without credentials. */
    private static HttpRequest.Builder get(String pathAndQuery) {
        return HttpRequest.newBuilder(server.uri(pathAndQuery)).timeout(Duration.ofSeconds(30)).GET();
    }

    private static HttpRequest.Builder postJson(String path, String json) {
        return request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
    }

    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
