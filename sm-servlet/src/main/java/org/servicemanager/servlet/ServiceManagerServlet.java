package org.servicemanager.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.MappingMatch;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link ServiceManager} from a Jakarta Servlet 6 container. It translates each request
 * into an {@link SmRequest}, lets the Service Manager answer it and writes the {@link SmResponse}
 * back; it adds no behaviour of its own.
 *
 * <p>Register it with {@code asyncSupported = true}: an answer that waits for a service broker
 * completes later on another thread, and the servlet then releases the container thread with
 * {@link HttpServletRequest#startAsync()} instead of blocking it, so slow brokers cannot exhaust
 * the container's thread pool. No async timeout is set, because the Service Manager enforces its
 * own broker timeouts and always answers. Registered without async support, the servlet still
 * works but blocks a container thread per broker call, and logs a warning once.
 *
 * <p>Mount it anywhere (e.g. {@code /*} or {@code /api/*} in any context): the part of the path
 * below the context path and servlet path is what the Service Manager routes, and the prefix is
 * passed on as {@link SmRequest#basePath()} so that links it returns point back through the mount.
 *
 * <p>Construct it with a Service Manager, or with no arguments, in which case {@link #init()}
 * takes the Service Manager from the servlet context attribute {@value #CONTEXT_ATTRIBUTE}
 * (as {@link ServiceManagerContextListener} sets it). The servlet does not close the Service
 * Manager; whoever built it does.
 *
 * <p>Thread-safe.
 */
public final class ServiceManagerServlet extends HttpServlet {
    /** The servlet context attribute a no-argument servlet reads its {@link ServiceManager} from. */
    public static final String CONTEXT_ATTRIBUTE = "org.servicemanager.core.ServiceManager";
    /** HttpServlet is Serializable; containers that persist sessions never serialize servlets, but javac asks. */
    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(ServiceManagerServlet.class);

    // Volatile because the container may construct, init and serve on different threads.
    private transient volatile ServiceManager serviceManager;
    private final AtomicBoolean warnedAboutSync = new AtomicBoolean();

    /** A servlet that takes its Service Manager from the context attribute {@value #CONTEXT_ATTRIBUTE}. */
    public ServiceManagerServlet() {
    }

    /** A servlet serving {@code serviceManager}. */
    public ServiceManagerServlet(ServiceManager serviceManager) {
        this.serviceManager = Objects.requireNonNull(serviceManager, "serviceManager");
    }

    /**
     * Looks up the Service Manager in the servlet context unless one was given to the constructor.
     *
     * @throws ServletException when there is none, naming the attribute that should hold it
     */
    @Override
    public void init() throws ServletException {
        if (serviceManager != null) {
            return;
        }
        Object attribute = getServletContext().getAttribute(CONTEXT_ATTRIBUTE);
        if (attribute == null) {
            throw new ServletException("ServiceManagerServlet '" + getServletName() + "' has no ServiceManager: "
                    + "pass one to its constructor, or store one in the servlet context attribute '"
                    + CONTEXT_ATTRIBUTE + "' before the servlet is initialized "
                    + "(for example with a ServiceManagerContextListener)");
        }
        if (!(attribute instanceof ServiceManager sm)) {
            throw new ServletException("the servlet context attribute '" + CONTEXT_ATTRIBUTE
                    + "' must hold an " + ServiceManager.class.getName() + ", but holds a "
                    + attribute.getClass().getName());
        }
        serviceManager = sm;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ServiceManager sm = serviceManager;
        if (sm == null) {
            // Only reachable if a container serves without calling init(); answer rather than NPE.
            response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            return;
        }
        CompletableFuture<SmResponse> answer = sm.handleAsync(translate(request, sm.maxRequestBodyBytes()));
        if (answer.isDone()) {
            // Most requests never leave the store: answer on this thread, no async machinery.
            write(request, response, answer.join());
            return;
        }
        if (!request.isAsyncSupported()) {
            // Still correct, only slower under load: better than failing every broker call.
            if (!warnedAboutSync.getAndSet(true)) {
                LOG.warn("ServiceManagerServlet '{}' is not registered with asyncSupported=true: requests that "
                        + "wait for a service broker block a container thread meanwhile", getServletName());
            }
            write(request, response, answer.join());
            return;
        }
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        answer.whenComplete((smResponse, neverThrown) -> {
            try {
                write(request, response, smResponse);
            } catch (IOException | RuntimeException e) {
                // The client went away while the broker was answering; nobody is left to tell.
                LOG.debug("cannot write the answer to {} {}: {}", request.getMethod(), request.getRequestURI(),
                        e.toString());
            } finally {
                try {
                    async.complete();
                } catch (IllegalStateException alreadyEnded) {
                    LOG.debug("the async request {} had already ended", request.getRequestURI());
                }
            }
        });
    }

    private static SmRequest translate(HttpServletRequest request, long maxBodyBytes) throws IOException {
        String uri = request.getRequestURI();
        int prefixLength = rawPrefixLength(uri, request.getContextPath(), servletPath(request));
        String path = uri.substring(prefixLength);
        SmRequest.Builder builder = SmRequest.builder(request.getMethod(), path.isEmpty() ? "/" : path)
                .basePath(uri.substring(0, prefixLength))
                .query(request.getQueryString());
        for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); ) {
            String name = names.nextElement();
            for (Enumeration<String> values = request.getHeaders(name); values.hasMoreElements(); ) {
                builder.header(name, values.nextElement());
            }
        }
        return builder.body(readLimited(request.getInputStream(), maxBodyBytes)).build();
    }

    /** The (decoded) servlet path that belongs to the mount point rather than to the Service Manager. */
    private static String servletPath(HttpServletRequest request) {
        HttpServletMapping mapping = request.getHttpServletMapping();
        // Mapped as the default servlet ("/"), the servlet path is the whole path: none of it is the mount's.
        boolean isDefaultServlet = mapping != null && mapping.getMappingMatch() == MappingMatch.DEFAULT;
        return isDefaultServlet ? "" : request.getServletPath();
    }

    /**
     * How many characters of the raw request URI make up the mount point. The request URI is used
     * rather than the path info because it keeps percent-encoding, which the core needs to tell an
     * encoded {@code %2F} inside an id from a path separator. The context path comes undecoded
     * from the container, the servlet path decoded.
     */
    private static int rawPrefixLength(String rawUri, String contextPath, String servletPath) {
        String prefix = contextPath + servletPath;
        if (prefix.isEmpty()) {
            return 0;
        }
        if (rawUri.startsWith(prefix)
                && (rawUri.length() == prefix.length() || rawUri.charAt(prefix.length()) == '/')) {
            return prefix.length();
        }
        // The client percent-encoded characters of the mount point: find the segment boundary where
        // the decoded URI equals the decoded mount point.
        String decodedPrefix = decode(contextPath) + servletPath;
        for (int i = 1; i <= rawUri.length(); i++) {
            boolean segmentEnd = i == rawUri.length() || rawUri.charAt(i) == '/';
            if (segmentEnd && decode(rawUri.substring(0, i)).equals(decodedPrefix)) {
                return i;
            }
        }
        return 0;
    }

    private static String decode(String raw) {
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return raw;
        }
    }

    /** Reads at most limit+1 bytes: enough for the core to see the body is too large, no more. */
    private static byte[] readLimited(InputStream in, long limit) throws IOException {
        return in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
    }

    private static void write(HttpServletRequest request, HttpServletResponse response, SmResponse answer)
            throws IOException {
        response.setStatus(answer.status());
        for (Map.Entry<String, List<String>> header : answer.headers().entrySet()) {
            if (header.getKey().equalsIgnoreCase("Content-Length")) {
                continue; // the container computes it from the body below
            }
            for (String value : header.getValue()) {
                response.addHeader(header.getKey(), value);
            }
        }
        byte[] body = answer.body();
        int status = answer.status();
        if (status == HttpServletResponse.SC_NO_CONTENT || status == HttpServletResponse.SC_NOT_MODIFIED
                || status < 200) {
            return;
        }
        response.setContentLength(body.length);
        if (body.length > 0 && !"HEAD".equalsIgnoreCase(request.getMethod())) {
            response.getOutputStream().write(body);
        }
    }
}
