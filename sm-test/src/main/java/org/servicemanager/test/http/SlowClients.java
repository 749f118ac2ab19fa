package org.servicemanager.test.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Misbehaving HTTP clients on raw sockets, for tests of what a server does with them: connections
 * that send a request's headers and then its body a byte at a time, and single requests written
 * exactly as given. Not thread-safe; use from the test thread.
 */
public final class SlowClients implements AutoCloseable {
    private final List<Socket> sockets = new ArrayList<>();
    private final Thread trickler;
    private volatile boolean stopped;

    private SlowClients(List<Socket> sockets, Duration interval) {
        this.sockets.addAll(sockets);
        this.trickler = new Thread(() -> trickle(interval), "slow-clients");
        trickler.setDaemon(true);
        trickler.start();
    }

    /**
     * Opens {@code count} connections to {@code host:port}, each sending the headers of a
     * {@code POST path} that announces a JSON body of {@code declaredLength} bytes, then one byte of
     * it every {@code interval} (on one background thread) until closed or the server drops the
     * connection.
     */
    public static SlowClients trickleBodies(String host, int port, String path, long declaredLength, int count,
            Duration interval) {
        List<Socket> opened = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Socket socket = new Socket(host, port);
                opened.add(socket);
                OutputStream out = socket.getOutputStream();
                out.write(("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + declaredLength + "\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException e) {
            opened.forEach(SlowClients::closeQuietly);
            throw new UncheckedIOException("cannot open slow connection " + (opened.size() + 1), e);
        }
        return new SlowClients(opened, interval);
    }

    /** How many of the connections the server has not dropped yet (as far as writes tell). */
    public synchronized int open() {
        return (int) sockets.stream().filter(s -> !s.isClosed()).count();
    }

    private void trickle(Duration interval) {
        while (!stopped) {
            synchronized (this) {
                for (Socket socket : sockets) {
                    if (socket.isClosed()) {
                        continue;
                    }
                    try {
                        socket.getOutputStream().write(' ');
                        socket.getOutputStream().flush();
                    } catch (IOException dropped) {
                        closeQuietly(socket);
                    }
                }
            }
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Sends {@code request} (headers and whatever body it includes) exactly as given on a new
     * connection and returns what the server answers until it closes the connection or stays
     * silent for {@code wait}.
     */
    public static String exchange(String host, int port, String request, Duration wait) {
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout((int) wait.toMillis());
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    answer.write(buffer, 0, n);
                    if (complete(answer.toString(StandardCharsets.UTF_8))) {
                        break;
                    }
                }
            } catch (SocketTimeoutException | java.net.SocketException e) {
                // Silence or a reset ends the answer: whatever came is what the server said.
            }
            return answer.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether an HTTP/1.1 answer with a Content-Length is all there. */
    private static boolean complete(String answer) {
        int end = answer.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        for (String line : answer.substring(0, end).split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                int length = Integer.parseInt(line.substring(15).trim());
                return answer.getBytes(StandardCharsets.UTF_8).length >= end + 4 + length;
            }
        }
        return false;
    }

    @Override
    public void close() {
        stopped = true;
        trickler.interrupt();
        synchronized (this) {
            sockets.forEach(SlowClients::closeQuietly);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing a test connection; nothing to do
        }
    }
}
