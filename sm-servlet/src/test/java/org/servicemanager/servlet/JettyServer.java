package org.servicemanager.servlet;

import java.net.URI;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** A real Jetty 12 on a free loopback port, for tests. Not thread-safe; start and close from one thread. */
final class JettyServer implements Container.Running {
    private final Server server;
    private final ServerConnector connector;

    private JettyServer(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /**
     * Starts Jetty serving {@code handler} with at most {@code maxThreads} threads, of which one
     * accepts connections and one runs the selector, so the rest is what requests can use.
     */
    static JettyServer start(int maxThreads, Handler handler) throws Exception {
        return start(maxThreads, handler, UriCompliance.DEFAULT);
    }

    /**
     * Like {@link #start(int, Handler)}, with a URI compliance mode: a lenient one lets through
     * what Jetty refuses by default (encoded slashes, malformed UTF-8, empty segments), as other
     * containers may, so tests see what the servlet and the core do with it.
     */
    static JettyServer start(int maxThreads, Handler handler, UriCompliance compliance) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(maxThreads, Math.min(4, maxThreads));
        threads.setName("jetty-test");
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setUriCompliance(compliance);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(handler);
        JettyServer result = new JettyServer(server, connector);
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception stopFailure) {
                e.addSuppressed(stopFailure);
            }
            throw e;
        }
        return result;
    }

    @Override
    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + pathAndQuery);
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Jetty did not stop", e);
        }
    }
}
