package org.servicemanager.proxyit;

import java.net.URI;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.servlet.ServiceManagerServlet;
import org.servicemanager.storage.jdbc.JdbcStore;
import org.servicemanager.test.http.ApiClient;

/**
 * A Service Manager node as production runs it: the JDBC store on PostgreSQL, the servlet in Jetty
 * 12 with Jakarta WebSocket, authentication on. Several nodes may share one database. Not
 * thread-safe.
 */
final class SmNode implements AutoCloseable {
    static final String ADMIN_PASSWORD = "admin-secret";
    /** Hashed once: PBKDF2 is slow on purpose. */
    private static final String ADMIN_HASH = ServiceManager.Builder.hashPassword(ADMIN_PASSWORD);
    /** Every node of a cluster must seal broker secrets with the same key. */
    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    final ServiceManager sm;
    final JdbcStore store;
    private final Server jetty;
    final URI uri;

    private SmNode(ServiceManager sm, JdbcStore store, Server jetty, URI uri) {
        this.sm = sm;
        this.store = store;
        this.jetty = jetty;
        this.uri = uri;
    }

    static SmNode start(DataSource dataSource, Consumer<ServiceManager.Builder> config) throws Exception {
        JdbcStore store = JdbcStore.builder(dataSource).build();
        ServiceManager.Builder builder = ServiceManager.builder().store(store).encryptionKey(KEY)
                .adminUserWithHash("admin", ADMIN_HASH);
        config.accept(builder);
        return serve(builder.build(), store);
    }

    /**
     * Serves a Service Manager built elsewhere (say by sm-test's fixture) on its JDBC store; {@link #close}
     * stops Jetty, the Service Manager and the store, all of which tolerate a second close.
     */
    static SmNode serve(ServiceManager sm, JdbcStore store) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(32, 4);
        threads.setDaemon(true);
        Server jetty = new Server(threads);
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder holder = new ServletHolder(new ServiceManagerServlet(sm));
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/*");
        JakartaWebSocketServletContainerInitializer.configure(context, null);
        jetty.setHandler(context);
        try {
            jetty.start();
        } catch (Exception e) {
            sm.close();
            store.close();
            throw e;
        }
        return new SmNode(sm, store, jetty, URI.create("http://127.0.0.1:" + connector.getLocalPort()));
    }

    ApiClient admin() {
        return new ApiClient(uri.toString()).withCredentials("admin", ADMIN_PASSWORD);
    }

    @Override
    public void close() {
        try {
            jetty.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not stop", e);
        } finally {
            sm.close();
            store.close();
        }
    }
}
