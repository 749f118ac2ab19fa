package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.servicemanager.test.process.JarProcess;

/** The packaged jar's arguments, start failures and JSON logs, as an operator meets them. */
@DisplayName("java -jar sm-standalone.jar, as an operator runs it")
class StandaloneCommandLineIT {
    @TempDir
    Path output;

    @Test
    @DisplayName("--help lists every variable and exits 0")
    void help() throws Exception {
        Exited exited = run(List.of("--help"));

        assertThat(exited.code()).isZero();
        String help = String.join("\n", exited.stdout());
        assertThat(StandaloneVariables.ALL).allSatisfy(v -> assertThat(help).contains("  " + v.name() + "  (default: "));
        assertThat(exited.stderr()).isEmpty();
    }

    @Test
    @DisplayName("--version prints the version in one line and exits 0")
    void version() throws Exception {
        Exited exited = run(List.of("--version"));

        assertThat(exited.code()).isZero();
        assertThat(exited.stdout()).singleElement().asString()
                .startsWith("Service Manager standalone " + StandaloneVersion.version() + " on Java ");
    }

    @Test
    @DisplayName("an unknown argument is one line on stderr and exit code 2, and nothing starts")
    void unknownArgument() throws Exception {
        Exited exited = run(List.of("--port", "80"));

        assertThat(exited.code()).isEqualTo(2);
        assertThat(exited.stderr()).containsExactly("Service Manager not started: too many arguments; it is "
                + "configured by environment variables, see --help");
        assertThat(exited.stdout()).isEmpty();
    }

    @Test
    @DisplayName("a taken port is one line on stderr, no stack trace, and exit code 1")
    void portTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Exited exited = run(List.of(), "SM_STORAGE", "memory", "SM_PORT", String.valueOf(taken.getLocalPort()));

            assertThat(exited.code()).isEqualTo(1);
            assertThat(exited.stderr()).containsExactly("Service Manager not started: cannot listen on 127.0.0.1:"
                    + taken.getLocalPort() + ": Address already in use (another process listens there; stop it, or "
                    + "set SM_PORT to a free port or 0)");
            assertThat(exited.stdout()).as("no password for a server that did not start")
                    .noneMatch(line -> line.contains("password"));
        }
    }

    @Test
    @DisplayName("a taken port with SM_LOG_LEVEL=debug shows the stack trace after the line")
    void portTakenDebug() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Exited exited = run(List.of(), "SM_STORAGE", "memory", "SM_LOG_LEVEL", "debug", "SM_PORT",
                    String.valueOf(taken.getLocalPort()));

            assertThat(exited.code()).isEqualTo(1);
            assertThat(exited.stderr().get(0)).startsWith("Service Manager not started: cannot listen on");
            assertThat(exited.stderr()).anyMatch(line -> line.startsWith("\tat "));
        }
    }

    @Test
    @DisplayName("with SM_LOG_FORMAT=json every line on stdout is a JSON object with time, level, logger and message")
    void jsonLogs() throws Exception {
        Path jar = jar();
        try (JarProcess server = JarProcess.start(jar, output, "SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_ADMIN_PASSWORD", "given-pass", "SM_LOG_FORMAT", "json")) {
            server.awaitStdout(Pattern.compile("Service Manager listening on"), Duration.ofSeconds(30));
            server.process().destroy(); // SIGTERM: the stop is logged too
            assertThat(server.process().waitFor(15, TimeUnit.SECONDS)).isTrue();

            List<JsonNode> events = new ArrayList<>();
            for (String line : server.stdout()) {
                events.add(new ObjectMapper().readTree(line));
            }
            assertThat(events).hasSizeGreaterThanOrEqualTo(3).allSatisfy(event -> {
                assertThat(event.isObject()).isTrue();
                assertThat(event.get("timestamp").isNumber()).isTrue();
                assertThat(event.get("level").asText()).isIn("INFO", "WARN");
                assertThat(event.get("loggerName").asText()).startsWith("org.servicemanager.");
                assertThat(event.has("threadName")).isTrue();
            });
            assertThat(events).extracting(event -> event.get("formattedMessage").asText())
                    .anyMatch(message -> message.startsWith("Service Manager listening on http://127.0.0.1:"))
                    .contains("Service Manager stopped");
            assertThat(String.join("\n", server.stdout())).doesNotContain("given-pass");
        }
    }

    private record Exited(int code, List<String> stdout, List<String> stderr) {
    }

    /** Runs the jar with {@code args} (which {@link JarProcess} cannot pass) to its exit. */
    private Exited run(List<String> args, String... env) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", jar().toAbsolutePath().toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(output.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("SM_"));
        for (int i = 0; i < env.length; i += 2) {
            builder.environment().put(env[i], env[i + 1]);
        }
        Path stdout = output.resolve("stdout.log");
        Path stderr = output.resolve("stderr.log");
        Process process = builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        try {
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited within 30 s").isTrue();
        } finally {
            process.destroyForcibly();
        }
        return new Exited(process.exitValue(), Files.readAllLines(stdout, StandardCharsets.UTF_8),
                Files.readAllLines(stderr, StandardCharsets.UTF_8));
    }

    private static Path jar() {
        Path jar = Path.of(System.getProperty("sm.standalone.jar", "target/sm-standalone.jar"));
        assertThat(jar).as("the shaded jar, built in the package phase").isRegularFile();
        return jar;
    }
}
