package org.servicemanager.servlet;

import jakarta.websocket.server.ServerContainer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.websocket.server.WsSci;
import org.apache.tomcat.websocket.server.WsServerContainer;

/**
 * A real embedded Tomcat 11 (NIO connector) on a free loopback port, for tests. Not thread-safe;
 * start and close from one thread.
 */
final class TomcatServer implements Container.Running {
    private final Tomcat tomcat;
    private final Connector connector;
    private final Path baseDir;

    private TomcatServer(Tomcat tomcat, Connector connector, Path baseDir) {
        this.tomcat = tomcat;
        this.connector = connector;
        this.baseDir = baseDir;
    }

    /** Starts Tomcat with each mount in a context of its own. */
    static TomcatServer start(int maxThreads, boolean webSocket, List<Container.Mount> mounts) throws Exception {
        Map<String, Consumer<Context>> contexts = new LinkedHashMap<>();
        int n = 0;
        for (Container.Mount mount : mounts) {
            String name = "sm-" + n++;
            contexts.put(mount.contextPath(), context -> {
                Wrapper wrapper = Tomcat.addServlet(context, name, mount.servlet());
                wrapper.setAsyncSupported(mount.asyncSupported());
                context.addServletMapping(mount.mapping(), name);
            });
        }
        return start(maxThreads, webSocket, contexts, false);
    }

    /**
     * Starts Tomcat with one mount and its URI checks relaxed where it has settings for them:
     * {@code %2F} passed through undecoded, backslashes allowed, and the URI decoded as ISO-8859-1
     * so that malformed UTF-8 is not refused before the servlet sees it.
     */
    static TomcatServer startLenient(int maxThreads, Container.Mount mount) throws Exception {
        return start(maxThreads, false, Map.of(mount.contextPath(), context -> {
            Wrapper wrapper = Tomcat.addServlet(context, "sm", mount.servlet());
            wrapper.setAsyncSupported(mount.asyncSupported());
            context.addServletMapping(mount.mapping(), "sm");
        }), true);
    }

    /** Starts Tomcat with one context at {@code contextPath} that {@code setup} fills (listeners, servlets). */
    static TomcatServer start(int maxThreads, String contextPath, Consumer<Context> setup) throws Exception {
        return start(maxThreads, false, Map.of(contextPath, setup), false);
    }

    private static TomcatServer start(int maxThreads, boolean webSocket, Map<String, Consumer<Context>> setups,
            boolean lenient) throws Exception {
        // Tomcat wants a work directory even when it deploys nothing from disk.
        Path baseDir = Files.createTempDirectory("tomcat-test");
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        Connector connector = new Connector("HTTP/1.1");
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        connector.setProperty("maxThreads", Integer.toString(maxThreads));
        connector.setProperty("minSpareThreads", Integer.toString(Math.min(4, maxThreads)));
        if (lenient) {
            connector.setEncodedSolidusHandling("passthrough");
            connector.setProperty("allowBackslash", "true");
            // Every byte decodes in ISO-8859-1, so malformed UTF-8 reaches the servlet too.
            connector.setURIEncoding("ISO-8859-1");
        }
        tomcat.setConnector(connector);
        tomcat.getHost().setAutoDeploy(false);
        List<Context> contexts = new ArrayList<>();
        for (Map.Entry<String, Consumer<Context>> setup : setups.entrySet()) {
            // Tomcat spells the root context "".
            Context context = tomcat.addContext(setup.getKey().equals("/") ? "" : setup.getKey(), null);
            if (webSocket) {
                // What a WAR gets from the jar's ServletContainerInitializer; embedded, it is added by hand.
                context.addServletContainerInitializer(new WsSci(), null);
            }
            setup.getValue().accept(context);
            contexts.add(context);
        }
        TomcatServer result = new TomcatServer(tomcat, connector, baseDir);
        try {
            tomcat.start();
            for (Context context : contexts) {
                if (context.getServletContext().getAttribute(ServerContainer.class.getName())
                        instanceof WsServerContainer container) {
                    // Tomcat looks for WebSocket sessions past their idle timeout only every process
                    // period (10 s by default); the tests' ping periods are below a second.
                    container.setProcessPeriod(1);
                }
            }
        } catch (LifecycleException | RuntimeException e) {
            result.close();
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
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            throw new IllegalStateException("Tomcat did not stop", e);
        } finally {
            deleteQuietly(baseDir);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temporary directory harms nothing.
        }
    }
}
