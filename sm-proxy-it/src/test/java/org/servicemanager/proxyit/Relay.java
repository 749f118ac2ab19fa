package org.servicemanager.proxyit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP relay on loopback between a proxy and a Service Manager, so that a test can cut every
 * connection through it mid-stream and refuse new ones for a while, as a network failure would.
 * Thread-safe.
 */
final class Relay implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicBoolean refusing = new AtomicBoolean();
    private volatile boolean closed;

    private Relay(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "relay-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A relay to the host and port of {@code target}. */
    static Relay to(URI target) throws IOException {
        return new Relay(new InetSocketAddress(target.getHost(), target.getPort()));
    }

    /** The relay's address with {@code target}'s scheme and path, e.g. {@code http://127.0.0.1:1234}. */
    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Closes every connection through the relay; with {@code refuse}, also closes new ones at once. */
    void cut(boolean refuse) {
        refusing.set(refuse);
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
        sockets.clear();
    }

    /** Lets connections through again. */
    void resume() {
        refusing.set(false);
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (refusing.get()) {
                    closeQuietly(client);
                    continue;
                }
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                sockets.add(client);
                sockets.add(upstream);
                pipe(client, upstream);
                pipe(upstream, client);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // A cut or a close on either side ends both directions.
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "relay-pipe");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        cut(true);
        server.close();
    }
}
