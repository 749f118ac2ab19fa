package org.servicemanager.it;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures what slf4j-simple writes to standard error (and still passes it on) from
 * {@link #start()} until {@link #close()}: tests read log lines with {@link #text()}. Thread-safe:
 * request threads write while the test reads.
 */
final class LogCapture implements AutoCloseable {
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream original;

    private LogCapture() {
        original = System.err;
        System.setErr(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (captured) {
                    captured.write(b);
                }
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (captured) {
                    captured.write(b, off, len);
                }
                original.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8));
    }

    /** Starts capturing standard error. */
    static LogCapture start() {
        return new LogCapture();
    }

    /** Everything written since {@link #start()}. */
    String text() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    /** Gives standard error back. */
    @Override
    public void close() {
        System.setErr(original);
    }
}
