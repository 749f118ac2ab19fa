package org.servicemanager.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.MappingMatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.servicemanager.core.NotificationStream;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.servlet.internal.NotificationSocket;
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
 * the container's thread pool. Request bodies that have not fully arrived with their headers are
 * read the same way, with a {@link ReadListener}, so clients that send slowly hold no thread. No
 * async timeout is set, because the Service Manager enforces its own broker timeouts and always
 * answers. Registered without async support, the servlet still works but blocks a container
 * thread per broker call and per slow body, and logs a warning once.
 *
 * <p>A body whose {@code Content-Length} exceeds {@link ServiceManager#maxRequestBodyBytes()} is
 * answered 413 without being read. How long a body may take is the container's to bound: configure
 * its idle timeout and, where it has one, a minimum request data rate (Jetty:
 * {@code HttpConfiguration.setMinRequestDataRate}). Errors the container answers itself (a
 * malformed request, a URI or headers too large) never reach the servlet; install a container
 * error handler that answers them with a JSON {@code {"error", "description"}} body and an
 * {@code X-Correlation-ID}, as the standalone server does (its {@code JsonErrorHandler}, for Jetty
 * on both the server and the servlet context). {@code HEAD} is answered by the core, as {@code GET} without
 * a body.
 *
 * <p>Mount it anywhere (e.g. {@code /*} or {@code /api/*} in any context): the part of the path
 * below the context path and servlet path is what the Service Manager routes, and the prefix is
 * passed on as {@link SmRequest#basePath()} so that links it returns point back through the mount.
 *
 * <p>{@code GET /v1/notifications} with {@code Upgrade: websocket} (the Service Broker Proxies'
 * feed) is upgraded through the container's Jakarta WebSocket 2.1 support, found in the servlet
 * context attribute {@code jakarta.websocket.server.ServerContainer} (Jetty 12:
 * {@code JakartaWebSocketServletContainerInitializer.configure(context, null)}; embedded Tomcat 11:
 * {@code context.addServletContainerInitializer(new WsSci(), null)}); the Service
 * Manager checks the request first and its refusals (401, 403, 400, 410) are written as usual.
 * Without WebSocket support in the container the upgrade is answered 501.
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
    private static final String NOTIFICATIONS_PATH = "/v1/notifications";

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
        if (isNotificationUpgrade(request)) {
            upgradeNotifications(request, response, sm);
            return;
        }
        long limit = sm.maxRequestBodyBytes();
        long declared = request.getContentLengthLong();
        boolean chunked = declared < 0 && request.getHeader("Transfer-Encoding") != null;
        if ((declared <= 0 && !chunked) || declared > limit) {
            // No body; or one declared too large, which is refused unread (the core answers 413
            // from the Content-Length): the client learns at once, not after sending it all.
            answer(request, response, sm, translate(request).build());
            return;
        }
        ServletInputStream in = request.getInputStream();
        if (!request.isAsyncSupported() || (declared > 0 && in.available() >= declared)) {
            // Without async support there is no other way; and a body already here (the usual small
            // one, in the packet of its headers) is read without blocking.
            answer(request, response, sm, translate(request).body(readLimited(in, limit)).build());
            return;
        }
        // The body is still on its way: read it as it comes, holding no container thread, so that
        // clients sending slowly (or not at all) cannot take every thread.
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        in.setReadListener(new BodyReader(sm, request, response, async, in, limit));
    }

    /** A WebSocket handshake for {@code GET /v1/notifications} (with or without a trailing slash). */
    private static boolean isNotificationUpgrade(HttpServletRequest request) {
        if (!"GET".equals(request.getMethod())) {
            return false;
        }
        String upgrade = request.getHeader("Upgrade");
        if (upgrade == null || !upgrade.toLowerCase(Locale.ROOT).contains("websocket")) {
            return false;
        }
        String uri = request.getRequestURI();
        String path = uri.substring(rawPrefixLength(uri, request.getContextPath(), servletPath(request)));
        return path.equals(NOTIFICATIONS_PATH) || path.equals(NOTIFICATIONS_PATH + "/");
    }

    /**
     * Lets the Service Manager check the request and open the stream (its refusal, 401 to 410, is
     * written as any answer), then hands the connection to the container's Jakarta WebSocket
     * support with the stream's headers. Without that support the answer is 501.
     */
    private void upgradeNotifications(HttpServletRequest request, HttpServletResponse response, ServiceManager sm)
            throws IOException {
        Object container = getServletContext().getAttribute(NotificationSocket.CONTAINER_ATTRIBUTE);
        boolean supported;
        try {
            supported = container != null && NotificationSocket.isContainer(container);
        } catch (LinkageError noWebSocketApi) {
            supported = false;
        }
        if (!supported) {
            write(response, SmResponse.builder(HttpServletResponse.SC_NOT_IMPLEMENTED)
                    .header("Content-Type", "application/json")
                    .body(("{\"error\":\"NotImplemented\",\"description\":\"this servlet container offers no "
                            + "Jakarta WebSocket server container (servlet context attribute " + NotificationSocket.CONTAINER_ATTRIBUTE
                            + "), so GET " + NOTIFICATIONS_PATH + " cannot be upgraded; enable WebSocket support in the "
                            + "container\"}").getBytes(StandardCharsets.UTF_8))
                    .build());
            return;
        }
        NotificationStream.Opening opening = sm.openNotificationStream(translate(request).build());
        if (opening instanceof NotificationStream.Refused refused) {
            write(response, refused.response());
            return;
        }
        NotificationStream stream = ((NotificationStream.Opened) opening).stream();
        if (!NotificationSocket.upgrade(container, request, response, stream, NOTIFICATIONS_PATH)
                && !response.isCommitted()) {
            write(response, SmResponse.builder(HttpServletResponse.SC_BAD_REQUEST)
                    .header("Content-Type", "application/json")
                    .body(("{\"error\":\"BadRequest\",\"description\":\"not a valid WebSocket upgrade "
                            + "request\"}").getBytes(StandardCharsets.UTF_8))
                    .build());
        }
    }

    /** Serves a request whose body has been read, on this thread or (waiting for a broker) later. */
    private void answer(HttpServletRequest request, HttpServletResponse response, ServiceManager sm,
            SmRequest smRequest) throws IOException {
        CompletableFuture<SmResponse> answer = sm.handleAsync(smRequest);
        if (answer.isDone()) {
            // Most requests never leave the store: answer on this thread, no async machinery.
            write(response, answer.join());
            return;
        }
        if (!request.isAsyncSupported()) {
            // Still correct, only slower under load: better than failing every broker call.
            if (!warnedAboutSync.getAndSet(true)) {
                LOG.warn("ServiceManagerServlet '{}' is not registered with asyncSupported=true: requests that "
                        + "wait for a service broker block a container thread meanwhile", getServletName());
            }
            write(response, answer.join());
            return;
        }
        AsyncContext async = request.isAsyncStarted() ? request.getAsyncContext() : request.startAsync();
        async.setTimeout(0);
        answer.whenComplete((smResponse, neverThrown) -> writeAndComplete(request, response, async, smResponse));
    }

    private static void writeAndComplete(HttpServletRequest request, HttpServletResponse response,
            AsyncContext async, SmResponse smResponse) {
        try {
            write(response, smResponse);
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
    }

    /**
     * Collects a body without blocking, up to one byte over the limit (enough for the core to answer
     * 413), then lets the Service Manager answer it. The container bounds how long a body may take
     * (Jetty: its idle timeout and minimum request data rate); if it gives up, so do we.
     */
    private final class BodyReader implements ReadListener {
        private final ServiceManager sm;
        private final HttpServletRequest request;
        private final HttpServletResponse response;
        private final AsyncContext async;
        private final ServletInputStream in;
        private final long limit;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final AtomicBoolean done = new AtomicBoolean();

        BodyReader(ServiceManager sm, HttpServletRequest request, HttpServletResponse response, AsyncContext async,
                ServletInputStream in, long limit) {
            this.sm = sm;
            this.request = request;
            this.response = response;
            this.async = async;
            this.in = in;
            this.limit = limit;
        }

        @Override
        public void onDataAvailable() throws IOException {
            byte[] buffer = new byte[8192];
            while (!done.get() && in.isReady()) {
                int n = in.read(buffer);
                if (n < 0) {
                    return; // onAllDataRead follows
                }
                body.write(buffer, 0, (int) Math.min(n, limit + 1 - body.size()));
                if (body.size() > limit) {
                    finish(); // enough to refuse it; the rest is not read
                    return;
                }
            }
        }

        @Override
        public void onAllDataRead() throws IOException {
            finish();
        }

        @Override
        public void onError(Throwable failure) {
            if (done.compareAndSet(false, true)) {
                LOG.debug("reading the body of {} {} failed: {}", request.getMethod(), request.getRequestURI(),
                        failure.toString());
                try {
                    async.complete();
                } catch (IllegalStateException alreadyEnded) {
                    LOG.debug("the async request {} had already ended", request.getRequestURI());
                }
            }
        }

        private void finish() throws IOException {
            if (done.compareAndSet(false, true)) {
                SmRequest smRequest = translate(request).body(body.toByteArray()).build();
                sm.handleAsync(smRequest).whenComplete((smResponse, neverThrown) ->
                        writeAndComplete(request, response, async, smResponse));
            }
        }
    }

    /** Everything of the request but its body. */
    private static SmRequest.Builder translate(HttpServletRequest request) {
        String uri = request.getRequestURI();
        int prefixLength = rawPrefixLength(uri, request.getContextPath(), servletPath(request));
        String path = uri.substring(prefixLength);
        SmRequest.Builder builder = SmRequest.builder(request.getMethod(), path.isEmpty() ? "/" : path)
                .basePath(uri.substring(0, prefixLength))
                .query(request.getQueryString())
                .remoteAddress(request.getRemoteAddr());
        for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); ) {
            String name = names.nextElement();
            for (Enumeration<String> values = request.getHeaders(name); values.hasMoreElements(); ) {
                builder.header(name, values.nextElement());
            }
        }
        return builder;
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

    private static void write(HttpServletResponse response, SmResponse answer)
            throws IOException {
        response.setStatus(answer.status());
        for (Map.Entry<String, List<String>> header : answer.headers().entrySet()) {
            if (header.getKey().equalsIgnoreCase("Content-Length")) {
                continue; // set below, where the container expects it
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
        // The core answers HEAD without a body but with the Content-Length its GET would have had.
        response.setContentLengthLong(body.length > 0 ? body.length
                : answer.header("Content-Length").map(Long::parseLong).orElse(0L));
        if (body.length > 0) {
            response.getOutputStream().write(body);
        }
    }
}
