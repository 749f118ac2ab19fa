package org.servicemanager.it;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures what is written to standard error (where slf4j-simple logs) and standard output, and
 * still passes it on, from {@link #start()} until {@link #close()}: tests read log lines with
 * {@link #text()}. Thread-safe: request threads write while the test reads.
 */
final class LogCapture implements AutoCloseable {
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream err;
    private final PrintStream out;

    private LogCapture() {
        err = System.err;
        out = System.out;
        System.setErr(new PrintStream(tee(err), true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(tee(out), true, StandardCharsets.UTF_8));
    }

    /** Starts capturing standard error and standard output. */
    static LogCapture start() {
        return new LogCapture();
    }

    private OutputStream tee(PrintStream original) {
        return new OutputStream() {
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
        };
    }

    /** Everything written since {@link #start()}. */
    String text() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    /** Gives standard error and standard output back. */
    @Override
    public void close() {
        System.setErr(err);
        System.setOut(out);
    }
}
