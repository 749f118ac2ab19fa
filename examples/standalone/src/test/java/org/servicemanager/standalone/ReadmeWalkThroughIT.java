package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's walk-through block whole, its {@code java -jar} lines included, as someone
 * pastes it after {@code mvn -q package -DskipTests}: only the two ports are changed to free ones.
 * Run by failsafe, after the package phase has built both jars.
 */
@DisplayName("The README's walk-through with curl, on the packaged jars")
class ReadmeWalkThroughIT {
    @Test
    @DisplayName("runs end to end with java -jar sm-standalone.jar and demo-broker.jar")
    void runsAsWritten() throws Exception {
        Assumptions.assumeTrue(WalkThrough.canRun(), "bash and curl are needed to run the walk-through");
        assertThat(Path.of("../..", WalkThrough.SM_JAR)).exists();
        assertThat(Path.of("../..", WalkThrough.BROKER_JAR)).exists();
        List<String> block = WalkThrough.block();
        int smPort = freePort();
        int brokerPort = freePort();
        String script = String.join("\n", block)
                .replace(WalkThrough.SM_URL, "http://127.0.0.1:" + smPort)
                .replace(WalkThrough.BROKER_URL, "http://127.0.0.1:" + brokerPort)
                .replace("java -jar " + WalkThrough.SM_JAR, "SM_PORT=" + smPort + " java -jar " + WalkThrough.SM_JAR)
                .replace("java -jar " + WalkThrough.BROKER_JAR,
                        "DEMO_BROKER_PORT=" + brokerPort + " java -jar " + WalkThrough.BROKER_JAR);

        WalkThrough.Result result = WalkThrough.run(script);

        assertThat(result.exitCode()).as("exit code; stdout:%n%s%nstderr:%n%s", result.stdout(), result.stderr()).isZero();
        // Before both listen, the waiting loop's curls fail (HTTP 000); the statuses end with the steps'.
        assertThat(result.statuses()).as(result.stderr()).endsWith(WalkThrough.STATUSES.toArray(Integer[]::new));
        assertThat(result.stdout()).contains("\"demo-db\"", "\"instance-1\"", "\"binding-1\"", "\"credentials\"");
    }

    /** A port nobody listens on now (the jars take it a moment later; a clash fails the test loudly). */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
