package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.standalone.StandaloneServer.ConfigurationException;

@DisplayName("the standalone server's arguments and start failures")
class StandaloneCommandLineTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--help", "-h"})
    @DisplayName("--help and -h print the usage and every variable with its default and meaning, and exit 0")
    void help(String argument) {
        int exit = StandaloneServer.arguments(new String[] {argument}, print(out), print(err));

        assertThat(exit).isZero();
        String help = out.toString(StandardCharsets.UTF_8);
        assertThat(help).startsWith("Usage: java -jar sm-standalone.jar");
        for (StandaloneVariables.Variable variable : StandaloneVariables.ALL) {
            assertThat(help).contains("  " + variable.name() + "  (default: " + variable.defaultValue() + ")\n"
                    + "      " + variable.meaning() + "\n");
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    @DisplayName("--version prints the project version and the JDK's in one line, and exits 0")
    void version() {
        int exit = StandaloneServer.arguments(new String[] {"--version"}, print(out), print(err));

        assertThat(exit).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).matches(
                "Service Manager standalone \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? on Java \\Q" + Runtime.version()
                        + "\\E \\(.+\\)\\R");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--port=80", "start", "--help --version"})
    @DisplayName("an unknown argument, or more than one, is one line on stderr and exit code 2")
    void unknownArgument(String arguments) {
        int exit = StandaloneServer.arguments(arguments.split(" "), print(out), print(err));

        assertThat(exit).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8).lines().toList()).singleElement().asString()
                .startsWith("Service Manager not started: ").endsWith("see --help");
    }

    @Test
    @DisplayName("without arguments the server starts")
    void noArguments() {
        assertThat(StandaloneServer.arguments(new String[0], print(out), print(err))).isEqualTo(StandaloneServer.START);
    }

    @Test
    @DisplayName("a taken port fails the start with a line saying which address, why, and what to do")
    void portTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();

            assertThatThrownBy(() -> StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT",
                    String.valueOf(port), "SM_ADMIN_PASSWORD", "given-pass"), print(out)))
                    .isNotInstanceOf(ConfigurationException.class)
                    .hasMessage("cannot listen on 127.0.0.1:" + port + ": Address already in use (another process "
                            + "listens there; stop it, or set SM_PORT to a free port or 0)");
        }
    }

    @Test
    @DisplayName("an SM_HOST that does not resolve fails the start naming it")
    void unknownHost() {
        assertThatThrownBy(() -> StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0",
                "SM_HOST", "no-such-host.invalid", "SM_ADMIN_PASSWORD", "given-pass"), print(out)))
                .hasMessage("cannot listen on no-such-host.invalid:0: SM_HOST 'no-such-host.invalid' is not a known "
                        + "host name or address");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"SM_LOG_FORMAT", "SM_LOG_LEVEL"})
    @DisplayName("a bad logging setting is a configuration error naming it")
    void badLoggingSetting(String name) {
        assertThatThrownBy(() -> StandaloneServer.start(Map.of("SM_STORAGE", "memory", "SM_PORT", "0", name,
                "loud"), print(out)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith(name + " must be ").hasMessageEndingWith(", was 'loud'");
    }

    @Test
    @DisplayName("a failure is reported as one line, even when its message has several, with exit code 1")
    void oneLine() {
        int exit = StandaloneServer.reportStartFailure(new IllegalStateException("FATAL: database \"sm\"\n  does "
                + "not exist\r\n"), false, print(err));

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("Service Manager not started: FATAL: database \"sm\" does not exist" + System.lineSeparator());
    }

    @Test
    @DisplayName("a configuration error is exit code 2")
    void configurationExitCode() {
        assertThat(StandaloneServer.reportStartFailure(new ConfigurationException("SM_PORT must be..."), false,
                print(err))).isEqualTo(2);
    }

    @Test
    @DisplayName("with debug logging the stack trace follows the line")
    void verbose() {
        StandaloneServer.reportStartFailure(new IllegalStateException("broken"), true, print(err));

        assertThat(err.toString(StandardCharsets.UTF_8).lines().toList())
                .first().isEqualTo("Service Manager not started: broken");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("\tat org.servicemanager.standalone.");
    }

    @Test
    @DisplayName("SM_LOG_LEVEL=debug asks for stack traces, the default does not")
    void verboseSwitch() {
        assertThat(StandaloneVariables.verbose(Map.of("SM_LOG_LEVEL", "debug"))).isTrue();
        assertThat(StandaloneVariables.verbose(Map.of())).isFalse();
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
