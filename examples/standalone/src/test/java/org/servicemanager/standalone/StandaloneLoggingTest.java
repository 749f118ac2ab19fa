package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.MDC;

/** Each test logs through a logback context of its own, so the JVM's logging is left as it is. */
@DisplayName("the standalone server's log formats")
class StandaloneLoggingTest {
    private final LoggerContext context = new LoggerContext();
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();

    @AfterEach
    void stop() {
        context.stop();
    }

    @Test
    @DisplayName("text lines look as before: ISO time with offset, level, short logger name, message")
    void text() {
        Logger log = configure(false, Level.INFO);

        log.info("Service Manager listening on {}", "http://127.0.0.1:8080");

        assertThat(lines()).singleElement().asString().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}"
                + "(Z|[+-]\\d\\d:\\d\\d) INFO StandaloneServer - Service Manager listening on http://127.0.0.1:8080");
    }

    @Test
    @DisplayName("with json, each event is one JSON object on one line: time, level, logger, thread, message, MDC")
    void json() throws Exception {
        Logger log = configure(true, Level.INFO);

        MDC.put("correlation_id", "c-1");
        try {
            log.info("a \"quoted\"\nmessage");
        } finally {
            MDC.remove("correlation_id");
        }

        JsonNode event = new ObjectMapper().readTree(lines().get(0));
        assertThat(lines()).hasSize(1);
        assertThat(event.get("timestamp").asLong()).isCloseTo(System.currentTimeMillis(),
                org.assertj.core.data.Offset.offset(60_000L));
        assertThat(event.get("level").asText()).isEqualTo("INFO");
        assertThat(event.get("loggerName").asText()).isEqualTo(StandaloneServer.class.getName());
        assertThat(event.get("threadName").asText()).isEqualTo(Thread.currentThread().getName());
        assertThat(event.get("formattedMessage").asText()).isEqualTo("a \"quoted\"\nmessage");
        assertThat(event.get("mdc").get("correlation_id").asText()).isEqualTo("c-1");
    }

    @Test
    @DisplayName("with json, an exception is part of the same object")
    void jsonException() throws Exception {
        Logger log = configure(true, Level.INFO);

        log.warn("Jetty did not stop cleanly", new IllegalStateException("still busy"));

        assertThat(lines()).hasSize(1);
        JsonNode throwable = new ObjectMapper().readTree(lines().get(0)).get("throwable");
        assertThat(throwable.get("className").asText()).isEqualTo(IllegalStateException.class.getName());
        assertThat(throwable.get("message").asText()).isEqualTo("still busy");
    }

    @Test
    @DisplayName("Jetty's and HikariCP's info lines stay out at the default level, their warnings do not")
    void quietLibraries() {
        configure(false, Level.INFO);

        context.getLogger("org.eclipse.jetty.server.Server").info("jetty-12 banner");
        context.getLogger("com.zaxxer.hikari.HikariDataSource").warn("connection lost");

        assertThat(lines()).singleElement().asString().endsWith("WARN HikariDataSource - connection lost");
    }

    @Test
    @DisplayName("SM_LOG_LEVEL=warn leaves info lines out")
    void level() {
        Logger log = configure(false, Level.toLevel(StandaloneVariables.logLevel(java.util.Map.of("SM_LOG_LEVEL", "WARN"))));

        log.info("left out");
        log.warn("kept");

        assertThat(lines()).singleElement().asString().endsWith("WARN StandaloneServer - kept");
    }

    private Logger configure(boolean json, Level level) {
        // The JVM's MDC, as the server's own context has it, so that MDC.put reaches these events.
        context.setMDCAdapter(MDC.getMDCAdapter());
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setOutputStream(output);
        StandaloneLogging.configure(context, appender, json, level);
        return context.getLogger(StandaloneServer.class);
    }

    private List<String> lines() {
        return output.toString(StandardCharsets.UTF_8).lines().toList();
    }
}
