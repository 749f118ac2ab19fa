package org.servicemanager.test.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A {@code java -jar} process started with the same JVM as the test. Its stdout and stderr go to
 * {@code stdout.log} and {@code stderr.log} in a directory rather than to pipes, because
 * {@link Process#destroy()} closes the pipes and what a server prints while stopping is often part of
 * what is tested. Inherited environment variables starting with {@code SM_}, {@code PROXY_} or
 * {@code CF_} are removed, so that the developer's own settings cannot change a test.
 *
 * <p>{@link #close()} kills the process if it still runs, so a test can use try-with-resources.
 * Thread-safe: the output files are read afresh on every call.
 */
public final class JarProcess implements AutoCloseable {
    private static final List<String> CLEARED_PREFIXES = List.of("SM_", "PROXY_", "CF_");
    private static final Duration POLL = Duration.ofMillis(50);

    private final Process process;
    private final Path stdoutFile;
    private final Path stderrFile;

    private JarProcess(Process process, Path stdoutFile, Path stderrFile) {
        this.process = process;
        this.stdoutFile = stdoutFile;
        this.stderrFile = stderrFile;
    }

    /**
     * Starts {@code java -jar jar} in {@code dir} (created if missing).
     *
     * @param env names and values, alternating ({@code "SM_PORT", "0", ...}), set in the process's
     *     environment
     */
    public static JarProcess start(Path jar, Path dir, String... env) throws IOException {
        Objects.requireNonNull(jar, "jar");
        Objects.requireNonNull(dir, "dir");
        if (env.length % 2 != 0) {
            throw new IllegalArgumentException("env must alternate names and values, got " + env.length
                    + " strings");
        }
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("jar " + jar.toAbsolutePath() + " is not a file");
        }
        Files.createDirectories(dir);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "-jar", jar.toAbsolutePath().toString())
                .directory(dir.toFile());
        builder.environment().keySet().removeIf(name -> CLEARED_PREFIXES.stream().anyMatch(name::startsWith));
        for (int i = 0; i < env.length; i += 2) {
            builder.environment().put(env[i], env[i + 1]);
        }
        Path stdout = dir.resolve("stdout.log");
        Path stderr = dir.resolve("stderr.log");
        builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        return new JarProcess(builder.start(), stdout, stderr);
    }

    /** The running (or exited) process, to signal it or wait for its exit. */
    public Process process() {
        return process;
    }

    /** Every line written to stdout so far. */
    public List<String> stdout() throws IOException {
        return Files.readAllLines(stdoutFile, StandardCharsets.UTF_8);
    }

    /** Every line written to stderr so far. */
    public List<String> stderr() throws IOException {
        return Files.readAllLines(stderrFile, StandardCharsets.UTF_8);
    }

    /**
     * Waits for a stdout line in which {@code pattern} is found, polling the file (the process writes
     * it asynchronously), and returns that line.
     *
     * @throws AssertionError if no such line is printed within {@code timeout} or before the process
     *     exits; the message holds stdout and stderr
     */
    public String awaitStdout(Pattern pattern, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            for (String line : stdout()) {
                if (pattern.matcher(line).find()) {
                    return line;
                }
            }
            Thread.sleep(POLL.toMillis());
        } while (System.nanoTime() < deadline && process.isAlive());
        for (String line : stdout()) { // the process may have printed it just before it exited
            if (pattern.matcher(line).find()) {
                return line;
            }
        }
        throw new AssertionError("no line matching '" + pattern + "' within " + timeout + "; stdout: " + stdout()
                + "; stderr: " + stderr());
    }

    /** Kills the process if it still runs; does not wait for it to exit. */
    @Override
    public void close() {
        process.destroyForcibly();
    }
}
