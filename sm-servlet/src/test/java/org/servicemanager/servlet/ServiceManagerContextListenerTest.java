package org.servicemanager.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.ServletContext;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.core.StandardContext;
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

    /**
     * A listener as a WAR declares it (web.xml or {@code @WebListener}): Tomcat instantiates it by
     * class name, so the test finds the instance through {@link #last}. Public for Tomcat.
     */
    public static final class DeclaredListener extends ServiceManagerContextListener {
        static volatile DeclaredListener last;
        final AppListener delegate = new AppListener(true);

        public DeclaredListener() {
            last = this;
        }

        @Override
        protected ServiceManager createServiceManager(ServletContext context) {
            return delegate.createServiceManager(context);
        }

        @Override
        protected String mapping() {
            return delegate.mapping();
        }
    }

    @Test
    @DisplayName("in Tomcat 11 too, declared as a WAR declares it: serves at its mapping, async-supported, "
            + "and closes the store when the context stops")
    void inTomcat() throws Exception {
        AtomicReference<Context> deployed = new AtomicReference<>();

        // A listener added as an object would count as programmatic, and Tomcat (rightly, Servlet 6
        // section 4.4) forbids those to register servlets; declared by class name it may.
        TomcatServer tomcat = TomcatServer.start(16, "/app", context -> {
            context.addApplicationListener(DeclaredListener.class.getName());
            deployed.set(context);
        });
        AppListener listener;
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(tomcat.uri("/app/api/v1/info"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            listener = DeclaredListener.last.delegate;

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(deployed.get().getServletContext().getAttribute(ServiceManagerServlet.CONTEXT_ATTRIBUTE))
                    .isSameAs(listener.built);
            assertThat(((Wrapper) deployed.get().findChild(ServiceManagerContextListener.SERVLET_NAME))
                    .isAsyncSupported()).isTrue();
        } finally {
            tomcat.close();
        }

        assertThat(listener.store.isClosed()).isTrue();
    }

    @Test
    @DisplayName("in Tomcat 11, added as an object it fails the context saying to declare it, and leaks no store")
    void undeclaredInTomcat() throws Exception {
        AppListener listener = new AppListener(true);
        List<Throwable> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getThrown() != null) {
                    logged.add(record.getThrown());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        // Tomcat reports a listener's failure to its container log (java.util.logging) and fails the context.
        Logger tomcatLog = Logger.getLogger("org.apache.catalina.core");
        tomcatLog.addHandler(capture);
        try (TomcatServer tomcat = TomcatServer.start(16, "/app",
                context -> ((StandardContext) context).addApplicationLifecycleListener(listener))) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(tomcat.uri("/app/api/v1/info"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(listener.store.isClosed()).as("the store of the Service Manager that was built").isTrue();
            assertThat(logged).anySatisfy(failure -> assertThat(failure)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("declare it, or register a ServiceManagerServlet yourself")
                    .hasCauseInstanceOf(UnsupportedOperationException.class));
        } finally {
            tomcatLog.removeHandler(capture);
        }
    }
}
