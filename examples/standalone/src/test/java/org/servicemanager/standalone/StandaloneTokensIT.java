package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.broker.FakeOsbService;
import org.servicemanager.test.process.JarProcess;

/**
 * smctl against the packaged jar in a process of its own (nimbus and the issuer shaded in): the
 * whole login and command sequence, and a bad token setting. Run by failsafe after packaging.
 */
@DisplayName("java -jar sm-standalone.jar with bearer tokens")
class StandaloneTokensIT {
    private static final Pattern LISTENING = Pattern.compile("Service Manager listening on (http://\\S+)");
    private static final Pattern PASSWORD = Pattern.compile("Generated admin password for user 'admin': (\\S+)");
    private static final Pattern ISSUER = Pattern.compile("Token issuer: (\\S+) \\(smctl login -a (\\S+) -u admin -p \\.\\.\\.\\)");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    Path output;

    @Test
    @DisplayName("logs where tokens come from, then smctl login and list-brokers, register-broker, register-platform, "
            + "marketplace, provision and bind work; no token or secret is printed")
    void smctlAgainstTheJar() throws Exception {
        JarProcess server = start("SM_PORT", "0", "SM_DATA_DIR", output.resolve("data").toString(),
                "SM_TOKEN_CLIENTS", "ci-robot:robot-s3cr3t:admin");
        try (FakeBroker broker = FakeBroker.start()) {
            FakeOsbService.install(broker);
            Matcher url = LISTENING.matcher(server.awaitStdout(LISTENING, Duration.ofSeconds(30)));
            assertThat(url.find()).isTrue();
            String base = url.group(1);
            Matcher issuerLine = ISSUER.matcher(server.awaitStdout(ISSUER, Duration.ofSeconds(10)));
            assertThat(issuerLine.find()).isTrue();
            assertThat(issuerLine.group(1)).isEqualTo(base + "/oauth");
            assertThat(issuerLine.group(2)).isEqualTo(base);
            Matcher passwordLine = PASSWORD.matcher(String.join("\n", server.stdout()));
            assertThat(passwordLine.find()).isTrue();
            String password = passwordLine.group(1);

            Smctl smctl = Smctl.passwordLogin(http, base, "admin", password);
            smctl.commandsAfterLogin(broker.url());
            smctl.refresh();
            smctl.expect(200, "GET", "/v1/service_instances", null);
            Smctl robot = Smctl.clientCredentialsLogin(http, base, "ci-robot", "robot-s3cr3t");
            robot.expect(200, "GET", "/v1/service_bindings", null);

            server.process().destroy(); // SIGTERM
            assertThat(server.process().waitFor(15, TimeUnit.SECONDS)).as("exited within 15 s").isTrue();
            String printed = String.join("\n", server.stdout()) + "\n" + String.join("\n", server.stderr());
            assertThat(printed.split(Pattern.quote(password), -1)).as("the password once, on its own line").hasSize(2);
            assertThat(printed).doesNotContain(smctl.accessToken()).doesNotContain(smctl.refreshToken())
                    .doesNotContain("robot-s3cr3t");
        } finally {
            server.process().destroyForcibly();
        }
    }

    @Test
    @DisplayName("a bad SM_TOKEN_CLIENTS entry ends the start with exit code 2 and one line naming it, not its secret")
    void badClients() throws Exception {
        JarProcess server = start("SM_PORT", "0", "SM_STORAGE", "memory",
                "SM_TOKEN_CLIENTS", "ci-robot:robot-s3cr3t:superuser");
        try {
            assertThat(server.process().waitFor(15, TimeUnit.SECONDS)).as("exited within 15 s").isTrue();

            assertThat(server.process().exitValue()).isEqualTo(2);
            List<String> stderr = server.stderr();
            assertThat(stderr).containsExactly("Service Manager not started: SM_TOKEN_CLIENTS entry 1 (client "
                    + "'ci-robot') has the role 'superuser'; it must be admin or read-only");
            assertThat(server.stdout()).isEmpty();
        } finally {
            server.process().destroyForcibly();
        }
    }

    @Test
    @DisplayName("on a wildcard SM_HOST without SM_PUBLIC_URL it names localhost and warns once to set SM_PUBLIC_URL")
    void wildcardHostWarning() throws Exception {
        JarProcess server = start("SM_PORT", "0", "SM_STORAGE", "memory", "SM_HOST", "0.0.0.0",
                "SM_ADMIN_PASSWORD", "given-pass");
        try {
            server.awaitStdout(ISSUER, Duration.ofSeconds(30));

            assertThat(server.stdout().stream().filter(l -> l.contains("SM_PUBLIC_URL")).toList()).singleElement()
                    .satisfies(l -> assertThat(l).contains("WARN").contains("http://localhost:"));
            assertThat(server.stdout()).anyMatch(l -> l.contains("Token issuer: http://localhost:")
                    && l.contains("smctl login -a http://localhost:"));
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
