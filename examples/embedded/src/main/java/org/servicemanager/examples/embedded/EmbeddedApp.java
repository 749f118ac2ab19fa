package org.servicemanager.examples.embedded;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.servicemanager.core.JvmTuning;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.servlet.ServiceManagerServlet;
import org.servicemanager.storage.memory.MemoryStore;

/**
 * A host application with its own Jetty 12 and its own endpoint ({@code GET /hello}) that mounts
 * the Service Manager under {@code /sm}: {@code /sm/v1/info}, {@code /sm/v1/service_brokers},
 * {@code /sm/v1/osb/...} and so on. The registry is kept in memory.
 *
 * <p>Configured by environment variables: {@code PORT} (default {@code 8081}; {@code 0} picks a
 * free one) and {@code SM_ADMIN_PASSWORD} (the password of the user {@code admin}; generated and
 * printed once if unset).
 *
 * <p>Thread-safe; {@link #close()} stops the server, then the Service Manager, then the store.
 */
public final class EmbeddedApp implements AutoCloseable {
    private final Server server;
    private final ServiceManager serviceManager;
    private final MemoryStore store;

    private EmbeddedApp(Server server, ServiceManager serviceManager, MemoryStore store) {
        this.server = server;
        this.serviceManager = serviceManager;
        this.store = store;
    }

    public static void main(String[] args) throws Exception {
        // Broker calls complete on the common pool; see the README's "Forwarding never holds a server thread".
        JvmTuning.sizeCommonPool();
        EmbeddedApp app = start(System.getenv(), System.out);
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "embedded-app-shutdown"));
        app.server.join();
    }

    /** Starts the application as {@link #main} does, printing a generated password to {@code console}. */
    public static EmbeddedApp start(Map<String, String> env, PrintStream console) throws Exception {
        int port = Integer.parseInt(env.getOrDefault("PORT", "8081"));
        String password = env.get("SM_ADMIN_PASSWORD");
        if (password == null || password.isEmpty()) {
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            // Printed once, never logged: logs are kept where passwords must not be.
            console.println("Generated Service Manager password for user 'admin': " + password);
        }

        // 1. The Service Manager: a store and an administrator are all it needs.
        MemoryStore store = new MemoryStore();
        ServiceManager sm = ServiceManager.builder()
                .store(store)
                .adminUser("admin", password)
                .build();

        // 2. The host's own servlets and the Service Manager's, in one context of the host's Jetty.
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new HelloServlet()), "/hello");
        ServletHolder smServlet = new ServletHolder(new ServiceManagerServlet(sm));
        // Async: a broker call completes later without holding a Jetty thread.
        smServlet.setAsyncSupported(true);
        context.addServlet(smServlet, "/sm/*");

        Server server = new Server(new InetSocketAddress("127.0.0.1", port));
        server.setHandler(context);
        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            sm.close();
            store.close();
            throw e;
        }
        EmbeddedApp app = new EmbeddedApp(server, sm, store);
        console.println("Listening on " + app.url() + " (Service Manager under " + app.url() + "/sm)");
        console.flush();
        return app;
    }

    /** The base URL, e.g. {@code http://127.0.0.1:8081}. */
    public String url() {
        return "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop Jetty", e);
        } finally {
            serviceManager.close();
            store.close();
        }
    }

    /** The host's own endpoint: it stands for whatever the application serves besides the Service Manager. */
    static final class HelloServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain;charset=utf-8");
            response.getWriter().println("Hello from the host application");
        }
    }
}
