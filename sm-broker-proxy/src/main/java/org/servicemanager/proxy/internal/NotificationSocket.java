package org.servicemanager.proxy.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A minimal WebSocket client (RFC 6455) for the notification stream: text messages in, pings and
 * a close out, no extensions.
 *
 * <p>Why not {@code java.net.http.WebSocket}: the JDK client hides the upgrade response, and the
 * stream's contract lives in its headers ({@code last_notification_revision}, the newest revision,
 * which tells the proxy where a resync left it; {@code max_ping_period}, which bounds how quietly it
 * may sit). Without them every reconnect after a quiet spell would need a full resync and the ping
 * period would be a guess. This class reads them; it uses nothing beyond the JDK.
 *
 * <p>{@link #open} connects and upgrades (blocking); {@link #startReading} starts one daemon thread
 * that hands each complete text message to the handler, in order. Sending is thread-safe; the
 * handler is called on the reading thread only.
 */
public final class NotificationSocket {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What the reading thread reports. */
    public interface Handler {
        void onText(String text);

        /** A binary message, which the stream never sends. */
        void onBinary();

        /** The server closed the connection with a close frame. */
        void onClosed(int code, String reason);

        /** The connection broke (reset, end of stream, protocol error, read timeout). */
        void onFailed(IOException error);
    }

    /** The server answered the upgrade with something else than 101. */
    public static final class HandshakeRejected extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;

        HandshakeRejected(int status, String body) {
            super("the upgrade was answered with " + status + (body.isEmpty() ? "" : ": " + body));
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Map<String, List<String>> headers;
    private volatile boolean closeSent;

    private NotificationSocket(Socket socket, InputStream in, Map<String, List<String>> headers) throws IOException {
        this.socket = socket;
        this.in = in;
        this.out = socket.getOutputStream();
        this.headers = headers;
    }

    /**
     * Connects to {@code uri} ({@code ws} or {@code wss}) and upgrades, sending {@code requestHeaders}.
     * {@code timeout} bounds the connect and the upgrade; {@code ssl} serves {@code wss}.
     */
    public static NotificationSocket open(URI uri, Map<String, String> requestHeaders, Duration timeout,
                                          SSLContext ssl) throws IOException {
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        boolean secure = scheme.equals("wss");
        String host = uri.getHost();
        int port = uri.getPort() != -1 ? uri.getPort() : secure ? 443 : 80;
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            if (secure) {
                SSLSocket tls = (SSLSocket) ssl.getSocketFactory().createSocket(socket, host, port, true);
                SSLParameters parameters = tls.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                if (!host.isEmpty() && !Character.isDigit(host.charAt(host.length() - 1)) && !host.contains(":")) {
                    parameters.setServerNames(List.of(new SNIHostName(host)));
                }
                tls.setSSLParameters(parameters);
                socket = tls;
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            byte[] nonce = new byte[16];
            RANDOM.nextBytes(nonce);
            String key = Base64.getEncoder().encodeToString(nonce);
            StringBuilder request = new StringBuilder()
                    .append("GET ").append(uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                    .append(uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(uri.getRawAuthority()).append("\r\n")
                    .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                    .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
                    .append("Sec-WebSocket-Version: 13\r\n");
            requestHeaders.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();

            InputStream in = new BufferedInputStream(socket.getInputStream());
            List<String> head = readHead(in);
            String[] statusLine = head.get(0).split(" ", 3);
            if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/")) {
                throw new IOException("not an HTTP answer: " + head.get(0));
            }
            int status;
            try {
                status = Integer.parseInt(statusLine[1]);
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP status: " + head.get(0), e);
            }
            Map<String, List<String>> headers = parseHeaders(head);
            if (status != 101) {
                throw new HandshakeRejected(status, readBody(in, headers));
            }
            String accept = first(headers, "sec-websocket-accept").orElse("");
            if (!accept.equals(acceptFor(key))
                    || !first(headers, "upgrade").orElse("").equalsIgnoreCase("websocket")) {
                throw new IOException("the server did not upgrade to a WebSocket properly");
            }
            return new NotificationSocket(socket, in, headers);
        } catch (IOException | RuntimeException e) {
            try {
                socket.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The first value of an upgrade response header (names compare case-insensitively). */
    public Optional<String> header(String name) {
        return first(headers, name.toLowerCase(Locale.ROOT));
    }

    /**
     * Starts the reading thread. {@code readTimeout} ends a connection silent for that long (the
     * server answers every ping, so silence means it is gone).
     */
    public void startReading(Handler handler, Duration readTimeout, String threadName) throws IOException {
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()));
        Thread reader = new Thread(() -> read(handler), threadName);
        reader.setDaemon(true);
        reader.start();
    }

    public void sendPing() throws IOException {
        send(0x9, new byte[0]);
    }

    /** Sends a close frame (once) and closes the socket; never throws. */
    public void close(int code, String reason) {
        try {
            if (!closeSent) {
                closeSent = true;
                byte[] text = reason.getBytes(StandardCharsets.UTF_8);
                byte[] payload = new byte[2 + Math.min(text.length, 120)];
                payload[0] = (byte) (code >> 8);
                payload[1] = (byte) code;
                System.arraycopy(text, 0, payload, 2, payload.length - 2);
                send(0x8, payload);
            }
        } catch (IOException e) {
            // Closing anyway.
        }
        abort();
    }

    /** Closes the socket at once; the reading thread ends. */
    public void abort() {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing left to do.
        }
    }

    private void read(Handler handler) {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        int messageOpcode = -1;
        try {
            while (true) {
                int b0 = readByte();
                int b1 = readByte();
                boolean fin = (b0 & 0x80) != 0;
                int opcode = b0 & 0x0F;
                if ((b0 & 0x70) != 0 || (b1 & 0x80) != 0) {
                    throw protocolError("reserved bits or a masked frame from the server");
                }
                long length = b1 & 0x7F;
                if (length == 126) {
                    length = (readByte() << 8) | readByte();
                } else if (length == 127) {
                    length = 0;
                    for (int i = 0; i < 8; i++) {
                        length = (length << 8) | readByte();
                    }
                }
                if (length < 0 || length + message.size() > MAX_MESSAGE_BYTES) {
                    close(1009, "message too big");
                    throw new IOException("a message of more than " + MAX_MESSAGE_BYTES + " bytes");
                }
                byte[] payload = in.readNBytes((int) length);
                if (payload.length < length) {
                    throw new EOFException("the connection ended inside a frame");
                }
                if (opcode >= 0x8) {
                    if (!fin || length > 125) {
                        throw protocolError("a fragmented or long control frame");
                    }
                    if (opcode == 0x8) {
                        int code = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
                        String reason = payload.length > 2
                                ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
                        close(code == 1005 ? 1000 : code, "");
                        handler.onClosed(code, reason);
                        return;
                    } else if (opcode == 0x9) {
                        send(0xA, payload);
                    } else if (opcode != 0xA) {
                        throw protocolError("unknown control opcode " + opcode);
                    }
                    continue;
                }
                if (opcode == 0x0 ? messageOpcode == -1 : messageOpcode != -1 || (opcode != 0x1 && opcode != 0x2)) {
                    throw protocolError("unexpected opcode " + opcode);
                }
                if (opcode != 0x0) {
                    messageOpcode = opcode;
                }
                message.write(payload);
                if (fin) {
                    if (messageOpcode == 0x1) {
                        handler.onText(message.toString(StandardCharsets.UTF_8));
                    } else {
                        handler.onBinary();
                    }
                    message.reset();
                    messageOpcode = -1;
                }
            }
        } catch (SocketTimeoutException e) {
            abort();
            handler.onFailed(new IOException("the Service Manager was silent too long", e));
        } catch (IOException e) {
            abort();
            handler.onFailed(e);
        }
    }

    private IOException protocolError(String what) {
        close(1002, "protocol error");
        return new IOException("WebSocket protocol error: " + what);
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the Service Manager closed the connection");
        }
        return b;
    }

    /** One masked frame, as a client must send. */
    private void send(int opcode, byte[] payload) throws IOException {
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(0x80 | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length <= 0xFFFF) {
            frame.write(0x80 | 126);
            frame.write(payload.length >> 8);
            frame.write(payload.length);
        } else {
            frame.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                frame.write((int) ((long) payload.length >> (8 * i)));
            }
        }
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        synchronized (out) {
            out.write(frame.toByteArray());
            out.flush();
        }
    }

    private static List<String> readHead(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        List<String> lines = new ArrayList<>();
        int total = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the connection ended inside the upgrade answer");
            }
            if (++total > MAX_HEAD_BYTES) {
                throw new IOException("the upgrade answer's head is longer than " + MAX_HEAD_BYTES + " bytes");
            }
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                if (text.endsWith("\r")) {
                    text = text.substring(0, text.length() - 1);
                }
                if (text.isEmpty()) {
                    if (lines.isEmpty()) {
                        throw new IOException("an empty answer to the upgrade");
                    }
                    return lines;
                }
                lines.add(text);
                line.reset();
            } else {
                line.write(b);
            }
        }
    }

    private static Map<String, List<String>> parseHeaders(List<String> head) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String line : head.subList(1, head.size())) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(line.substring(colon + 1).trim());
            }
        }
        return headers;
    }

    /** The body of a refusal, for the log: only when its length is known, and at most 4 KiB of it. */
    private static String readBody(InputStream in, Map<String, List<String>> headers) {
        try {
            int length = Integer.parseInt(first(headers, "content-length").orElse("0"));
            byte[] body = in.readNBytes(Math.max(0, Math.min(length, 4096)));
            return new String(body, StandardCharsets.UTF_8);
        } catch (IOException | NumberFormatException e) {
            return "";
        }
    }

    private static Optional<String> first(Map<String, List<String>> headers, String lowerCaseName) {
        List<String> values = headers.get(lowerCaseName);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    private static String acceptFor(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-1", e);
        }
    }
}
