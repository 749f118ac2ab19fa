package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.servicemanager.test.process.JarProcess;

/**
 * Runs the packaged jar as users do, {@code java -jar sm-standalone.jar}, in a process of its own.
 * Run by failsafe, after the package phase has built the jar.
 */
@DisplayName("java -jar sm-standalone.jar")
class StandaloneServerIT {
    private static final Pattern LISTENING = Pattern.compile("Service Manager listening on (http://\\S+)");
    private static final Pattern PASSWORD = Pattern.compile("Generated admin password for user 'admin': (\\S+)");

    @TempDir
    Path output;

    @Test
    @DisplayName("starts on a free port, prints a working generated password once and stops cleanly on SIGTERM")
    void startsAndStops() throws Exception {
        JarProcess server = start("SM_PORT", "0", "SM_DATA_DIR", output.resolve("data").toString());
        try {
            String listening = server.awaitStdout(LISTENING, Duration.ofSeconds(30));
            Matcher url = LISTENING.matcher(listening);
            assertThat(url.find()).isTrue();
            List<String> passwordLines = server.stdout().stream().filter(l -> PASSWORD.matcher(l).find()).toList();
            assertThat(passwordLines).as("stdout: %s", server.stdout()).hasSize(1);
            Matcher passwordMatch = PASSWORD.matcher(passwordLines.get(0));
            assertThat(passwordMatch.find()).isTrue();
            String password = passwordMatch.group(1);

            HttpResponse<String> platforms = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(url.group(1) + "/v1/platforms"))
                            .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                                    ("admin:" + password).getBytes(StandardCharsets.UTF_8)))
                            .timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(platforms.statusCode()).isEqualTo(200);

            server.process().destroy(); // SIGTERM
            assertThat(server.process().waitFor(15, TimeUnit.SECONDS)).as("exited within 15 s").isTrue();
            assertThat(server.process().exitValue()).isIn(0, 143);
            assertThat(server.stdout()).anyMatch(line -> line.contains("Service Manager stopped"));
            assertThat(String.join("\n", server.stdout()).split(Pattern.quote(password), -1))
                    .as("the password appears on stdout exactly once").hasSize(2);
            assertThat(server.stderr()).noneMatch(line -> line.contains(password));
        } finally {
            server.process().destroyForcibly();
        }
    }

    @Test
    @DisplayName("refuses a bad SM_PORT with a clear message and exit code 2")
    void badConfiguration() throws Exception {
        JarProcess server = start("SM_PORT", "70000");
        try {
            assertThat(server.process().waitFor(15, TimeUnit.SECONDS)).as("exited within 15 s").isTrue();

            assertThat(server.process().exitValue()).isEqualTo(2);
            assertThat(server.stderr()).contains(
                    "Service Manager not started: SM_PORT must be an integer between 0 and 65535, was '70000'");
            assertThat(server.stdout()).as("no password is generated for a server that does not start").isEmpty();
        } finally {
            server.process().destroyForcibly();
        }
    }

    private JarProcess start(String... env) throws IOException {
        Path jar = Path.of(System.getProperty("sm.standalone.jar", "target/sm-standalone.jar"));
        assertThat(jar).as("the shaded jar, built in the package phase").isRegularFile();
        return JarProcess.start(jar, output, env);
    }
}
