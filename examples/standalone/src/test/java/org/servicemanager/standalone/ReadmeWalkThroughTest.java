package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.servicemanager.demobroker.DemoBroker;

/**
 * Runs the README's walk-through block with bash and curl against the standalone server and the
 * demo broker started in this JVM (as their {@code main}s do) with the environment the block's two
 * {@code java -jar} lines give, plus free ports. {@link ReadmeWalkThroughIT} runs the jars themselves.
 */
@DisplayName("The README's walk-through with curl")
class ReadmeWalkThroughTest {
    @TempDir
    Path dataDir;

    @Test
    @DisplayName("runs end to end: every curl succeeds, with the statuses of each step in order")
    void runsAsWritten() throws Exception {
        Assumptions.assumeTrue(WalkThrough.canRun(), "bash and curl are needed to run the walk-through");
        List<String> block = WalkThrough.block();
        Map<String, String> smEnv = environment(WalkThrough.startLine(block, WalkThrough.SM_JAR));
        smEnv.put("SM_PORT", "0");
        // Should the block ever drop SM_STORAGE=memory, nothing is written into the repository.
        smEnv.put("SM_DATA_DIR", dataDir.resolve("sm-data").toString());
        Map<String, String> brokerEnv = environment(WalkThrough.startLine(block, WalkThrough.BROKER_JAR));
        brokerEnv.put("DEMO_BROKER_PORT", "0");
        String script = String.join("\n", block.stream().filter(line -> !WalkThrough.START_LINE.matcher(line).matches())
                .toList());
        assertThat(script).contains(WalkThrough.SM_URL, WalkThrough.BROKER_URL);

        StandaloneServer.Running server = StandaloneServer.start(smEnv, System.out);
        try (DemoBroker broker = DemoBroker.start(brokerEnv, System.out)) {
            WalkThrough.Result result = WalkThrough.run(script.replace(WalkThrough.SM_URL, server.baseUrl())
                    .replace(WalkThrough.BROKER_URL, broker.url()));

            assertThat(result.exitCode()).as("exit code; stdout:%n%s%nstderr:%n%s", result.stdout(), result.stderr())
                    .isZero();
            assertThat(result.statuses()).as(result.stderr()).isEqualTo(WalkThrough.STATUSES);
            assertThat(result.stdout()).contains("\"demo-db\"", "\"instance-1\"", "\"binding-1\"", "\"credentials\"");
        } finally {
            server.close();
        }
    }

    /** The variables a start line sets before {@code java -jar}. */
    private static Map<String, String> environment(Matcher startLine) {
        Map<String, String> env = new HashMap<>();
        for (String assignment : startLine.group(1).trim().split(" ")) {
            if (!assignment.isEmpty()) {
                int equals = assignment.indexOf('=');
                env.put(assignment.substring(0, equals), assignment.substring(equals + 1));
            }
        }
        return env;
    }
}
