package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.servicemanager.demobroker.DemoBroker;

/**
 * Runs the README's walk-through block with bash and curl, as a newcomer would paste it, against
 * the standalone server and the demo broker started with the environment its two {@code java -jar}
 * lines give (plus free ports), so that the README cannot drift from what works.
 */
@DisplayName("The README's walk-through with curl")
class ReadmeWalkThroughTest {
    private static final Pattern START_LINE = Pattern.compile("((?:[A-Z_]+=\\S+ )*)java -jar (\\S+) &");
    private static final String SM_URL = "http://127.0.0.1:8080";
    private static final String BROKER_URL = "http://127.0.0.1:9090";

    @TempDir
    Path dataDir;

    @Test
    @DisplayName("runs end to end: every curl succeeds, with the statuses of each step in order")
    void runsAsWritten() throws Exception {
        Assumptions.assumeTrue(onPath("bash") && onPath("curl"), "bash and curl are needed to run the walk-through");
        List<String> block = walkThroughBlock();
        Matcher smLine = START_LINE.matcher(block.get(0));
        Matcher brokerLine = START_LINE.matcher(block.get(1));
        assertThat(smLine.matches() && smLine.group(2).equals("examples/standalone/target/sm-standalone.jar"))
                .as("the first line starts the standalone jar: %s", block.get(0)).isTrue();
        assertThat(brokerLine.matches() && brokerLine.group(2).equals("examples/demo-broker/target/demo-broker.jar"))
                .as("the second line starts the demo broker jar: %s", block.get(1)).isTrue();

        // The environment of the README's lines, with free ports (and a fresh data directory).
        Map<String, String> smEnv = environment(smLine.group(1));
        smEnv.put("SM_PORT", "0");
        smEnv.put("SM_DATA_DIR", dataDir.resolve("sm-data").toString());
        Map<String, String> brokerEnv = environment(brokerLine.group(1));
        brokerEnv.put("DEMO_BROKER_PORT", "0");
        String script = String.join("\n", block.subList(2, block.size()));
        assertThat(script).contains(SM_URL, BROKER_URL);

        StandaloneServer.Running server = StandaloneServer.start(smEnv, System.out);
        try (DemoBroker broker = DemoBroker.start(brokerEnv, System.out)) {
            script = script.replace(SM_URL, server.baseUrl()).replace(BROKER_URL, broker.url());
            // Every curl fails on an HTTP error (-f, said on stderr with -S) and reports its status.
            String harness = "set -euo pipefail\n"
                    + "curl() { command curl -fS -w '%{stderr}HTTP %{http_code}\\n' \"$@\"; }\n";
            Process bash = new ProcessBuilder("bash", "-c", harness + script).directory(new File("../..")).start();
            ByteArrayOutputStream stdout = new ByteArrayOutputStream();
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            Thread err = new Thread(() -> copy(bash.getErrorStream(), stderr));
            err.start();
            bash.getInputStream().transferTo(stdout);
            assertThat(bash.waitFor(60, TimeUnit.SECONDS)).as("the walk-through ends within a minute").isTrue();
            err.join();
            String out = stdout.toString(StandardCharsets.UTF_8);
            String errors = stderr.toString(StandardCharsets.UTF_8);

            assertThat(bash.exitValue()).as("exit code; stdout:%n%s%nstderr:%n%s", out, errors).isZero();
            assertThat(statuses(errors)).as(errors).containsExactly(
                    200, 200, // both listen
                    201, // platform
                    201, // broker (its catalog fetched)
                    200, 200, // offerings, the plan small
                    201, 200, // visibility, label query
                    200, 201, 201, // the platform: catalog, provision, bind
                    200, 200, // instances and bindings recorded
                    200, 200); // unbind, deprovision
            assertThat(out).contains("\"demo-db\"", "\"instance-1\"", "\"binding-1\"", "\"credentials\"");
        } finally {
            server.close();
        }
    }

    /** The lines of the first {@code sh} block after the heading, continuation lines as they are. */
    private static List<String> walkThroughBlock() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("../../README.md"), StandardCharsets.UTF_8);
        int heading = lines.indexOf("## A walk-through with curl");
        assertThat(heading).as("the README's walk-through section").isNotNegative();
        int start = lines.subList(heading, lines.size()).indexOf("```sh") + heading + 1;
        int end = lines.subList(start, lines.size()).indexOf("```") + start;
        return new ArrayList<>(lines.subList(start, end));
    }

    private static Map<String, String> environment(String assignments) {
        Map<String, String> env = new HashMap<>();
        for (String assignment : assignments.trim().split(" ")) {
            if (!assignment.isEmpty()) {
                int equals = assignment.indexOf('=');
                env.put(assignment.substring(0, equals), assignment.substring(equals + 1));
            }
        }
        return env;
    }

    private static List<Integer> statuses(String stderr) {
        List<Integer> statuses = new ArrayList<>();
        Matcher matcher = Pattern.compile("(?m)^HTTP (\\d{3})$").matcher(stderr);
        while (matcher.find()) {
            statuses.add(Integer.parseInt(matcher.group(1)));
        }
        return statuses;
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private static void copy(java.io.InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
