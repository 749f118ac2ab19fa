package org.servicemanager.standalone;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;

/**
 * Configures logback for the standalone server from {@code SM_LOG_FORMAT} and {@code SM_LOG_LEVEL},
 * in code rather than by a {@code logback.xml}, so that one variable picks the format. Logback finds
 * it through {@link java.util.ServiceLoader} when the first logger is made, which is why it is
 * public; it is not API.
 *
 * <p>Everything goes to standard output, where the generated password is printed too, so that a
 * process supervisor sees everything in order in one stream. Text lines look as they did with
 * slf4j-simple; JSON lines are logback's own {@link JsonEncoder} objects, one per line. A bad value
 * falls back to the defaults here and is reported by {@link StandaloneServer#start} (exit code 2).
 * Thread-safe: logback calls it once; the static methods keep no state.
 */
public final class StandaloneLogging extends ContextAwareBase implements Configurator {
    /**
     * slf4j-simple's layout as this server had it: ISO time with offset ({@code XXX} is the date
     * pattern's ISO-8601 zone, e.g. {@code Z} or {@code +01:00}), level, short logger name.
     */
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %level %logger{0} - %msg%n";

    /** For {@link java.util.ServiceLoader}. */
    public StandaloneLogging() {
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        Map<String, String> env = System.getenv();
        boolean json;
        Level level;
        try {
            json = StandaloneVariables.jsonLogs(env);
        } catch (StandaloneServer.ConfigurationException e) {
            json = false;
        }
        try {
            level = Level.toLevel(StandaloneVariables.logLevel(env));
        } catch (StandaloneServer.ConfigurationException e) {
            level = Level.INFO;
        }
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setTarget("System.out");
        configure(context, console, json, level);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Makes {@code appender}, in the chosen format, the only one of {@code context}. */
    static void configure(LoggerContext context, OutputStreamAppender<ILoggingEvent> appender, boolean json,
            Level level) {
        appender.setContext(context);
        appender.setName("sm");
        appender.setEncoder(json ? jsonEncoder(context) : textEncoder(context));
        appender.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
        root.setLevel(level);
        // Jetty's startup banner and per-component lines, and HikariCP's pool start and stop lines, add
        // nothing for users of this server; their warnings still show.
        Level quiet = level.isGreaterOrEqual(Level.WARN) ? null : Level.WARN;
        context.getLogger("org.eclipse.jetty").setLevel(quiet);
        context.getLogger("com.zaxxer.hikari").setLevel(quiet);
    }

    private static Encoder<ILoggingEvent> textEncoder(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(TEXT_PATTERN);
        encoder.start();
        return encoder;
    }

    private static Encoder<ILoggingEvent> jsonEncoder(LoggerContext context) {
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        // What an operator's log pipeline needs, not logback's internals (context, sequence, raw pattern).
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.setWithContext(false);
        encoder.setWithMessage(false);
        encoder.setWithArguments(false);
        encoder.setWithMarkers(false);
        encoder.setWithKVPList(false);
        encoder.setWithTimestamp(true);
        encoder.setWithLevel(true);
        encoder.setWithLoggerName(true);
        encoder.setWithThreadName(true);
        encoder.setWithMDC(true);
        encoder.setWithFormattedMessage(true);
        encoder.setWithThrowable(true);
        encoder.start();
        return encoder;
    }
}
