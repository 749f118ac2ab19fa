package org.servicemanager.standalone;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The server's version, for {@code --version} and {@code --help}: read from a resource that Maven
 * filters, so it is the same whether the classes run from the jar or from a build directory (where
 * no manifest exists). Thread-safe: stateless.
 */
final class StandaloneVersion {
    private static final String RESOURCE = "version.properties";

    private StandaloneVersion() {
    }

    /** The project version, e.g. {@code 0.1.0-SNAPSHOT}. */
    static String version() {
        try (InputStream in = StandaloneVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the build");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The version line {@code --version} prints: ours and the JDK's, which matters as much. */
    static String line() {
        return "Service Manager standalone " + version() + " on Java " + Runtime.version() + " ("
                + System.getProperty("java.vendor") + ")";
    }
}
