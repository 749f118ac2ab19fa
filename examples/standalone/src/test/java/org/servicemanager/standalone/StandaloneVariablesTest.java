package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the table of environment variables")
class StandaloneVariablesTest {
    /** A variable name inside a string literal: how the server's code names what it reads. */
    private static final Pattern LITERAL = Pattern.compile("\"([^\"\\\\]|\\\\.)*\"");
    private static final Pattern NAME = Pattern.compile("\\bSM_[A-Z0-9_]*[A-Z0-9]\\b");

    @Test
    @DisplayName("holds every SM_ variable the server's source names, so --help lists them all")
    void everyVariableOfTheSource() throws IOException {
        Set<String> named = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher literal = LITERAL.matcher(Files.readString(file, StandardCharsets.UTF_8));
                while (literal.find()) {
                    Matcher name = NAME.matcher(literal.group());
                    while (name.find()) {
                        named.add(name.group());
                    }
                }
            }
        }

        assertThat(named).as("sanity: the scan finds the variables").contains("SM_PORT", "SM_JDBC_URL",
                "SM_TOKEN_ISSUER", "SM_TLS_CERT_FILE", "SM_LOG_FORMAT");
        assertThat(names()).containsAll(named);
    }

    @Test
    @DisplayName("names each variable once")
    void unique() {
        assertThat(names()).doesNotHaveDuplicates();
    }

    @Test
    @DisplayName("names the same variables as the README's table of the standalone server")
    void readme() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("../../README.md"), StandardCharsets.UTF_8);
        int section = lines.indexOf("## The standalone server");
        assertThat(section).as("the README's standalone section").isNotNegative();
        Set<String> documented = new TreeSet<>();
        boolean inTable = false;
        for (String line : lines.subList(section, lines.size())) {
            if (line.startsWith("| `SM_")) {
                inTable = true;
                Matcher name = NAME.matcher(line.substring(0, line.indexOf('|', 1)));
                while (name.find()) {
                    documented.add(name.group());
                }
            } else if (inTable) {
                break;
            }
        }

        assertThat(documented).isEqualTo(new TreeSet<>(names()));
    }

    private static List<String> names() {
        return new ArrayList<>(StandaloneVariables.ALL.stream().map(StandaloneVariables.Variable::name)
                .collect(Collectors.toList()));
    }
}
