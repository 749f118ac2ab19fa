package org.servicemanager.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.ServletContext;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.api.store.ForwardingStore;

@DisplayName("ServiceManagerContextListener")
class ServiceManagerContextListenerTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** A real store that remembers whether it was closed. */
    private static final class ClosableStore extends ForwardingStore {
        private volatile boolean closed;

        ClosableStore() {
            super(new MemoryStore());
        }

        boolean isClosed() {
            return closed;
        }

        @Override
        public void close() {
            closed = true;
            super.close();
        }
    }

    /** What a host application writes: build the Service Manager, optionally choose where it lives. */
    private static final class AppListener extends ServiceManagerContextListener {
        final ClosableStore store = new ClosableStore();
        private final boolean closeStore;
        volatile ServiceManager built;

        AppListener(boolean closeStore) {
            this.closeStore = closeStore;
        }

        @Override
        protected ServiceManager createServiceManager(ServletContext context) {
            // No admin user: hashing its password would only slow the test down.
            built = ServiceManager.builder().store(store).disableAuthentication().build();
            return built;
        }

        @Override
        protected String mapping() {
            return "/api/*";
        }

        @Override
        protected boolean closeStoreOnDestroy() {
            return closeStore;
        }
    }

    @Test
    @DisplayName("builds the Service Manager on start, publishes it and serves it at its mapping")
    void servesAtItsMapping() throws Exception {
        AppListener listener = new AppListener(true);
        ServletContextHandler context = new ServletContextHandler("/app");
        context.addEventListener(listener);

        try (JettyServer jetty = JettyServer.start(16, context)) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(jetty.uri("/app/api/v1/info"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(context.getServletContext().getAttribute(ServiceManagerServlet.CONTEXT_ATTRIBUTE))
                    .isSameAs(listener.built);
            assertThat(context.getServletHandler().getServlet(ServiceManagerContextListener.SERVLET_NAME)
                    .isAsyncSupported()).isTrue();
        }
    }

    @Test
    @DisplayName("closes the store when the context stops")
    void closesTheStore() throws Exception {
        AppListener listener = new AppListener(true);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addEventListener(listener);

        JettyServer jetty = JettyServer.start(16, context);
        assertThat(listener.store.isClosed()).isFalse();

        jetty.close();

        assertThat(listener.store.isClosed()).isTrue();
        assertThat(context.getServletContext().getAttribute(ServiceManagerServlet.CONTEXT_ATTRIBUTE)).isNull();
    }

    @Test
    @DisplayName("leaves the store open when closeStoreOnDestroy() says so")
    void leavesTheStoreOpen() throws Exception {
        AppListener listener = new AppListener(false);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addEventListener(listener);

        JettyServer jetty = JettyServer.start(16, context);
        assertThat(listener.built).isNotNull();

        jetty.close();

        assertThat(listener.store.isClosed()).isFalse();
    }
}
