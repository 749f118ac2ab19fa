package org.servicemanager.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.SlowClients;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

@DisplayName("Request bodies in Spring Boot's Tomcat 10.1 are read asynchronously, holding no thread while they arrive")
@SpringBootTest(classes = HostApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "spring.autoconfigure.exclude=org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
                "servicemanager.users.admin.password=admin-secret",
                "server.tomcat.threads.max=" + SlowBodyStarterTest.MAX_THREADS,
                "server.tomcat.threads.min-spare=1"})
class SlowBodyStarterTest {
    static final int MAX_THREADS = 4;

    @LocalServerPort
    int port;

    @Test
    @DisplayName("a body sent in pieces is read whole and answered")
    void bodyInPieces() throws Exception {
        String body = "{\"name\":\"late-body\",\"type\":\"kubernetes\"}";
        String admin = Base64.getEncoder().encodeToString("admin:admin-secret".getBytes(StandardCharsets.UTF_8));
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /sm/v1/platforms HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic " + admin
                    + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + body.length()
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (int i = 0; i < body.length(); i += 10) {
                // The pieces must arrive apart for the servlet to read them as they come.
                Thread.sleep(50);
                out.write(body.substring(i, Math.min(body.length(), i + 10)).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 201").contains("\"name\":\"late-body\"");
        }
    }

    @Test
    @DisplayName("while more slow bodies arrive than Tomcat has threads, other requests are answered")
    void slowBodiesHoldNoThreads() {
        try (SlowClients slow = SlowClients.trickleBodies("127.0.0.1", port, "/sm/v1/platforms", 1_000,
                MAX_THREADS * 2, Duration.ofMillis(200))) {
            ApiClient client = new ApiClient("http://127.0.0.1:" + port + "/sm");
            assertThat(client.get("/v1/info").status()).as("with %d slow connections open", slow.open())
                    .isEqualTo(200);
        }
    }
}
