package org.servicemanager.benchmarks;

import java.net.InetSocketAddress;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.jdk.SmHttpServer;
import org.servicemanager.servlet.ServiceManagerServlet;

/** A Service Manager served over loopback, by the JDK adapter or by Jetty 12 with the servlet. */
final class Served implements AutoCloseable {
    private final String baseUrl;
    private final AutoCloseable stop;

    private Served(String baseUrl, AutoCloseable stop) {
        this.baseUrl = baseUrl;
        this.stop = stop;
    }

    static Served start(ServiceManager sm, String server) throws Exception {
        return switch (server) {
            case "jdk" -> {
                SmHttpServer jdk = SmHttpServer.start(sm, new InetSocketAddress("127.0.0.1", 0));
                yield new Served(jdk.baseUrl(), jdk);
            }
            case "jetty" -> {
                Server jetty = new Server();
                ServerConnector connector = new ServerConnector(jetty);
                connector.setHost("127.0.0.1");
                connector.setPort(0);
                jetty.addConnector(connector);
                ServletContextHandler context = new ServletContextHandler("/");
                ServletHolder holder = new ServletHolder(new ServiceManagerServlet(sm));
                holder.setAsyncSupported(true);
                context.addServlet(holder, "/*");
                jetty.setHandler(context);
                jetty.start();
                yield new Served("http://127.0.0.1:" + connector.getLocalPort(), jetty::stop);
            }
            default -> throw new IllegalArgumentException("server must be jdk or jetty, was " + server);
        };
    }

    /**
     * Jetty 12 with the servlet and Jakarta WebSocket, as the standalone server runs it, so that
     * {@code GET /v1/notifications} upgrades; its thread pool ({@code sm-http}) has at most
     * {@code maxThreads} threads.
     */
    static Served startWithNotifications(ServiceManager sm, int maxThreads) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(maxThreads, Math.min(8, maxThreads));
        threads.setName("sm-http");
        threads.setDaemon(true);
        Server jetty = new Server(threads);
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        // Hundreds of proxies connect at once.
        connector.setAcceptQueueSize(1024);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder holder = new ServletHolder(new ServiceManagerServlet(sm));
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/*");
        JakartaWebSocketServletContainerInitializer.configure(context, null);
        jetty.setHandler(context);
        jetty.start();
        return new Served("http://127.0.0.1:" + connector.getLocalPort(), jetty::stop);
    }

    String baseUrl() {
        return baseUrl;
    }

    /**
     * Declares no checked exception: an {@code AutoCloseable} whose close may throw
     * {@code InterruptedException} is a lint warning, and the build treats warnings as errors.
     */
    @Override
    public void close() {
        try {
            stop.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the server at " + baseUrl, e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("stopping the server at " + baseUrl + " failed", e);
        }
    }
}
