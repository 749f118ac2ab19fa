package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.servicemanager.test.broker.FakeBroker;

/**
 * The default storage of the packaged server is an H2 file database: what the API acknowledged
 * survives a {@code kill -9} and a restart, and nothing secret lies in the data directory in clear.
 */
@DisplayName("java -jar sm-standalone.jar with its default H2 storage")
class StandaloneDurabilityIT {
    private static final Pattern LISTENING = Pattern.compile("Service Manager listening on (http://\\S+)");
    private static final String BROKER_PASSWORD = "broker-secret-9x7q";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path work;

    @Test
    @DisplayName("acknowledged writes survive kill -9 and a restart, and no secret is in the data directory")
    void survivesKill() throws Exception {
        Path data = work.resolve("data");
        try (FakeBroker broker = FakeBroker.start().withBasicAuth("broker-user", BROKER_PASSWORD)) {
            Process first = start(data, work.resolve("first.log"));
            List<String> platformNames = new ArrayList<>();
            List<String> platformPasswords = new ArrayList<>();
            try {
                String base = awaitListening(first, work.resolve("first.log"));
                assertThat(send(base, "POST", "/v1/service_brokers", "{\"name\":\"durable-broker\",\"broker_url\":\""
                        + broker.url() + "\",\"credentials\":{\"basic\":{\"username\":\"broker-user\",\"password\":\""
                        + BROKER_PASSWORD + "\"}}}").statusCode()).isEqualTo(201);
                for (int i = 0; i < 40; i++) {
                    String name = "durable-" + i;
                    HttpResponse<String> created = send(base, "POST", "/v1/platforms",
                            "{\"name\":\"" + name + "\",\"type\":\"kubernetes\",\"labels\":{\"n\":[\"" + i + "\"]}}");
                    assertThat(created.statusCode()).isEqualTo(201);
                    platformNames.add(name);
                    platformPasswords.add(JSON.readTree(created.body()).at("/credentials/basic/password").asText());
                }
            } finally {
                first.destroyForcibly(); // SIGKILL: no shutdown hook, no clean close of the database
                assertThat(first.waitFor(15, TimeUnit.SECONDS)).isTrue();
            }

            Path keyFile = data.resolve("encryption.key");
            assertThat(Files.getPosixFilePermissions(keyFile))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            List<String> secrets = new ArrayList<>(platformPasswords);
            secrets.add(BROKER_PASSWORD);
            try (Stream<Path> files = Files.walk(data)) {
                for (Path file : files.filter(Files::isRegularFile).filter(f -> !f.equals(keyFile)).toList()) {
                    String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                    for (String secret : secrets) {
                        assertThat(content).as("%s holds a secret in clear", file).doesNotContain(secret);
                    }
                }
            }

            Process second = start(data, work.resolve("second.log"));
            try {
                String base = awaitListening(second, work.resolve("second.log"));
                JsonNode platforms = JSON.readTree(send(base, "GET", "/v1/platforms?max_items=500", null).body());
                Set<String> names = new HashSet<>();
                platforms.get("items").forEach(p -> names.add(p.get("name").asText()));
                assertThat(names).containsAll(platformNames);
                JsonNode brokers = JSON.readTree(send(base, "GET", "/v1/service_brokers", null).body());
                String brokerId = brokers.at("/items/0/id").asText();
                int callsBefore = broker.catalogCalls();
                assertThat(send(base, "PATCH", "/v1/service_brokers/" + brokerId, "{}").statusCode())
                        .as("the stored broker password still opens with the key file").isEqualTo(200);
                assertThat(broker.catalogCalls()).isEqualTo(callsBefore + 1);
            } finally {
                second.destroy();
                second.waitFor(15, TimeUnit.SECONDS);
            }
        }
    }

    private static Process start(Path data, Path log) throws IOException {
        Path jar = Path.of(System.getProperty("sm.standalone.jar", "target/sm-standalone.jar"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "-jar", jar.toString());
        builder.environment().keySet().removeIf(name -> name.startsWith("SM_"));
        builder.environment().put("SM_PORT", "0");
        builder.environment().put("SM_ADMIN_PASSWORD", "admin-pw");
        builder.environment().put("SM_DATA_DIR", data.toString());
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return builder.start();
    }

    private static String awaitListening(Process process, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && process.isAlive()) {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    return m.group(1);
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the server did not start: " + Files.readString(log));
    }

    private static HttpResponse<String> send(String base, String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        "admin:admin-pw".getBytes(StandardCharsets.UTF_8)));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return HTTP.send(request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
