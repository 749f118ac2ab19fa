package org.servicemanager.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The internal packages depend on each other in one direction only, so each can be read, changed
 * and tested from the bottom up. Read from the sources: a package uses another when one of its
 * files names it (import or qualified name).
 */
@DisplayName("The internal packages of sm-core")
class PackageCyclesTest {
    private static final Path SOURCES = Path.of("src/main/java/org/servicemanager/core/internal");
    private static final Pattern REFERENCE = Pattern.compile("org\\.servicemanager\\.core\\.internal\\.([a-z]+)");

    @Test
    @DisplayName("form no dependency cycle")
    void noCycle() throws IOException {
        Map<String, Set<String>> uses = dependencies();
        assertThat(uses).as("packages found under " + SOURCES.toAbsolutePath()).containsKeys("http", "registry",
                "security", "revision");

        List<List<String>> cycles = new ArrayList<>();
        for (String start : uses.keySet()) {
            findCycle(start, start, uses, new ArrayList<>(List.of(start)), cycles);
        }

        assertThat(cycles).as("package cycles (each package uses the next)").isEmpty();
    }

    private static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = SOURCES.relativize(file.getParent()).toString();
                Set<String> used = uses.computeIfAbsent(pkg, p -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(Files.readString(file, StandardCharsets.UTF_8));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        used.add(m.group(1));
                    }
                }
            }
        }
        return uses;
    }

    /** Depth-first from {@code current}; records each path that leads back to {@code start}. */
    private static void findCycle(String start, String current, Map<String, Set<String>> uses, List<String> path,
            List<List<String>> cycles) {
        for (String next : uses.getOrDefault(current, Set.of())) {
            if (next.equals(start)) {
                List<String> cycle = new ArrayList<>(path);
                cycle.add(start);
                cycles.add(cycle);
            } else if (!path.contains(next) && next.compareTo(start) > 0) {
                // Only through packages after start, so each cycle is reported once, from its least package.
                path.add(next);
                findCycle(start, next, uses, path, cycles);
                path.remove(path.size() - 1);
            }
        }
    }
}
