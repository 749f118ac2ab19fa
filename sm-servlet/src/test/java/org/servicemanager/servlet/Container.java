package org.servicemanager.servlet;

import jakarta.servlet.http.HttpServlet;
import java.net.URI;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

/**
 * The Servlet 6 containers the servlet's behaviour tests run in, so that "any Servlet 6
 * container" is tested on two independent implementations rather than assumed from one. A test
 * class parameterized over this enum starts the same mounts in each. Thread-safe (stateless).
 */
enum Container {
    JETTY_12 {
        @Override
        Running start(int maxThreads, boolean webSocket, List<Mount> mounts) throws Exception {
            ContextHandler[] contexts = new ContextHandler[mounts.size()];
            for (int i = 0; i < mounts.size(); i++) {
                Mount mount = mounts.get(i);
                ServletContextHandler context = new ServletContextHandler(mount.contextPath());
                ServletHolder holder = new ServletHolder(mount.servlet());
                holder.setAsyncSupported(mount.asyncSupported());
                context.addServlet(holder, mount.mapping());
                if (webSocket) {
                    JakartaWebSocketServletContainerInitializer.configure(context, null);
                }
                contexts[i] = context;
            }
            return JettyServer.start(maxThreads, new ContextHandlerCollection(contexts));
        }

        @Override
        Running startLenient(int maxThreads, Mount mount) throws Exception {
            ServletContextHandler context = new ServletContextHandler(mount.contextPath());
            ServletHolder holder = new ServletHolder(mount.servlet());
            holder.setAsyncSupported(mount.asyncSupported());
            context.addServlet(holder, mount.mapping());
            context.getServletHandler().setDecodeAmbiguousURIs(true);
            return JettyServer.start(maxThreads, context, UriCompliance.UNSAFE);
        }
    },
    TOMCAT_11 {
        @Override
        Running start(int maxThreads, boolean webSocket, List<Mount> mounts) throws Exception {
            return TomcatServer.start(maxThreads, webSocket, mounts);
        }

        @Override
        Running startLenient(int maxThreads, Mount mount) throws Exception {
            return TomcatServer.startLenient(maxThreads, mount);
        }
    };

    /** A servlet at {@code mapping} (e.g. {@code /*}) in the context at {@code contextPath} ({@code /} for the root). */
    record Mount(String contextPath, String mapping, HttpServlet servlet, boolean asyncSupported) {
        static Mount of(String contextPath, String mapping, HttpServlet servlet) {
            return new Mount(contextPath, mapping, servlet, true);
        }
    }

    /** A started container on a free loopback port. Not thread-safe; start and close from one thread. */
    interface Running extends AutoCloseable {
        /** An absolute URI on this server, e.g. {@code uri("/v1/info")}. */
        URI uri(String pathAndQuery);

        @Override
        void close();
    }

    /**
     * Starts the mounts with at most {@code maxThreads} request threads; with {@code webSocket}, every
     * context gets the container's Jakarta WebSocket server container.
     */
    abstract Running start(int maxThreads, boolean webSocket, List<Mount> mounts) throws Exception;

    /**
     * Starts one mount with the container's URI checks as lenient as it allows (encoded slashes,
     * malformed UTF-8, empty segments let through where it can), as a host's settings may be, so
     * tests see what the servlet and the core do with such paths.
     */
    abstract Running startLenient(int maxThreads, Mount mount) throws Exception;

    Running start(int maxThreads, Mount... mounts) throws Exception {
        return start(maxThreads, false, List.of(mounts));
    }
}
