package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's walk-through block and how to run it with bash and curl, for the tests that keep
 * it working. Every curl of the block runs with {@code -fS} (an HTTP error fails the script and is
 * said on stderr) and reports its status on stderr, so a test can compare the steps' statuses.
 */
final class WalkThrough {
    /** The URLs the block uses; tests replace them with those of what they started. */
    static final String SM_URL = "http://127.0.0.1:8080";
    static final String BROKER_URL = "http://127.0.0.1:9090";
    /** A line of the block that starts a jar in the background, with its environment. */
    static final Pattern START_LINE = Pattern.compile("((?:[A-Z_]+=\\S+ )*)java -jar (\\S+) &");
    static final String SM_JAR = "examples/standalone/target/sm-standalone.jar";
    static final String BROKER_JAR = "examples/demo-broker/target/demo-broker.jar";
    /** The status of each curl of the block, in order. */
    static final List<Integer> STATUSES = List.of(
            200, 200, // both listen
            201, // platform
            201, // broker (its catalog fetched)
            200, 200, // offerings, the plan small
            201, 200, // visibility, label query
            200, 201, 201, // the platform: catalog, provision, bind
            200, 200, // instances and bindings recorded
            200, 200); // unbind, deprovision

    /** What running the block gave. */
    record Result(int exitCode, String stdout, String stderr) {
        List<Integer> statuses() {
            List<Integer> statuses = new ArrayList<>();
            Matcher matcher = Pattern.compile("(?m)^HTTP (\\d{3})$").matcher(stderr);
            while (matcher.find()) {
                statuses.add(Integer.parseInt(matcher.group(1)));
            }
            return statuses;
        }
    }

    private WalkThrough() {
    }

    /** The lines of the first {@code sh} block after the README's walk-through heading. */
    static List<String> block() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("../../README.md"), StandardCharsets.UTF_8);
        int heading = lines.indexOf("## A walk-through with curl");
        assertThat(heading).as("the README's walk-through section").isNotNegative();
        int start = lines.subList(heading, lines.size()).indexOf("```sh") + heading + 1;
        int end = lines.subList(start, lines.size()).indexOf("```") + start;
        return new ArrayList<>(lines.subList(start, end));
    }

    /** The start line of {@code jar} in the block, matched by {@link #START_LINE}. */
    static Matcher startLine(List<String> block, String jar) {
        for (String line : block) {
            Matcher matcher = START_LINE.matcher(line);
            if (matcher.matches() && matcher.group(2).equals(jar)) {
                return matcher;
            }
        }
        throw new AssertionError("the walk-through starts no " + jar + ": " + block);
    }

    /** Whether bash and curl are on the PATH; without them the walk-through cannot run. */
    static boolean canRun() {
        return onPath("bash") && onPath("curl");
    }

    /**
     * Runs {@code script} with bash in the repository's root (where the block's jar paths lead),
     * stopping whatever it started in the background when it ends.
     */
    static Result run(String script) throws Exception {
        String harness = "set -euo pipefail\n"
                + "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n"
                + "curl() { command curl -fS -w '%{stderr}HTTP %{http_code}\\n' \"$@\"; }\n";
        Process bash = new ProcessBuilder("bash", "-c", harness + script).directory(new File("../..")).start();
        try {
            ByteArrayOutputStream stdout = new ByteArrayOutputStream();
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            Thread err = new Thread(() -> copy(bash.getErrorStream(), stderr));
            Thread out = new Thread(() -> copy(bash.getInputStream(), stdout));
            err.start();
            out.start();
            assertThat(bash.waitFor(120, TimeUnit.SECONDS)).as("the walk-through ends within two minutes").isTrue();
            err.join();
            out.join();
            return new Result(bash.exitValue(), stdout.toString(StandardCharsets.UTF_8),
                    stderr.toString(StandardCharsets.UTF_8));
        } finally {
            bash.descendants().forEach(ProcessHandle::destroyForcibly);
            bash.destroyForcibly();
        }
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

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
