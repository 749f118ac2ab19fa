package org.servicemanager.proxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A WebSocket server written frame by frame on a loopback socket, for tests that must see what the
 * client sends (pings, which a Jakarta endpoint never sees) or hold back what a server would send. One test thread drives
 * it; not thread-safe.
 */
final class RawWebSocketServer implements AutoCloseable {
    private final ServerSocket server;
    private final List<Peer> peers = new ArrayList<>();

    RawWebSocketServer() {
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String wsUrl() {
        return "ws://127.0.0.1:" + server.getLocalPort() + "/v1/notifications";
    }

    /** Waits for one connection and reads its request head. */
    Peer accept(Duration timeout) throws IOException {
        server.setSoTimeout((int) timeout.toMillis());
        Socket socket = server.accept();
        socket.setSoTimeout((int) timeout.toMillis());
        Peer peer = new Peer(socket);
        peers.add(peer);
        return peer;
    }

    @Override
    public void close() throws IOException {
        for (Peer p : peers) {
            p.socket.close();
        }
        server.close();
    }

    /** A frame as read from the client. */
    record Frame(boolean fin, int opcode, boolean masked, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    static final class Peer {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final List<String> requestHead = new ArrayList<>();

        Peer(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException();
                }
                if (b == '\n') {
                    String text = line.toString(StandardCharsets.ISO_8859_1).replaceAll("\r$", "");
                    if (text.isEmpty()) {
                        return;
                    }
                    requestHead.add(text);
                    line.reset();
                } else {
                    line.write(b);
                }
            }
        }

        String requestHeader(String name) {
            return requestHead.stream().filter(l -> l.toLowerCase(Locale.ROOT).startsWith(name.toLowerCase(Locale.ROOT) + ":"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(null);
        }

        /** Answers 101 with a correct Sec-WebSocket-Accept (or {@code acceptOverride}) and these headers. */
        void upgrade(Map<String, String> headers, String acceptOverride) throws Exception {
            String key = requestHeader("Sec-WebSocket-Key");
            String accept = acceptOverride != null ? acceptOverride : Base64.getEncoder().encodeToString(
                    MessageDigest.getInstance("SHA-1").digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                            .getBytes(StandardCharsets.ISO_8859_1)));
            StringBuilder answer = new StringBuilder("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n");
            headers.forEach((k, v) -> answer.append(k).append(": ").append(v).append("\r\n"));
            out.write(answer.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** Whether the request asks for a WebSocket upgrade. */
        boolean isUpgrade() {
            String upgrade = requestHeader("Upgrade");
            return upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket");
        }

        /** Answers a plain HTTP request with a JSON body and these headers. */
        void answer(int status, Map<String, String> headers, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " Answer\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + bytes.length + "\r\n");
            headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
        }

        /** Sends one unmasked frame, as a server does. */
        void send(boolean fin, int opcode, byte[] payload) throws IOException {
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write((fin ? 0x80 : 0) | opcode);
            if (payload.length < 126) {
                frame.write(payload.length);
            } else if (payload.length <= 0xFFFF) {
                frame.write(126);
                frame.write(payload.length >> 8);
                frame.write(payload.length);
            } else {
                frame.write(127);
                for (int i = 7; i >= 0; i--) {
                    frame.write((int) ((long) payload.length >> (8 * i)));
                }
            }
            frame.write(payload);
            out.write(frame.toByteArray());
            out.flush();
        }

        void sendText(boolean fin, int opcode, String text) throws IOException {
            send(fin, opcode, text.getBytes(StandardCharsets.UTF_8));
        }

        Frame read() throws IOException {
            int b0 = readByte();
            int b1 = readByte();
            int length = b1 & 0x7F;
            if (length == 126) {
                length = (readByte() << 8) | readByte();
            } else if (length == 127) {
                throw new IOException("test frames are small");
            }
            boolean masked = (b1 & 0x80) != 0;
            byte[] mask = masked ? in.readNBytes(4) : new byte[4];
            byte[] payload = in.readNBytes(length);
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
            return new Frame((b0 & 0x80) != 0, b0 & 0x0F, masked, payload);
        }

        private int readByte() throws IOException {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the client closed the connection");
            }
            return b;
        }
    }
}
