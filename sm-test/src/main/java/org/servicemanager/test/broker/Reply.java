package org.servicemanager.test.broker;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link FakeBroker} route answers: a status with a body, possibly after a delay, or an
 * abruptly closed connection. Immutable and thread-safe.
 */
public final class Reply {
    private final int status;
    private final Map<String, String> headers;
    private final byte[] body;
    private final Duration delay;
    private final boolean closeConnection;

    private Reply(int status, Map<String, String> headers, byte[] body, Duration delay, boolean closeConnection) {
        this.status = status;
        this.headers = Map.copyOf(headers);
        this.body = body;
        this.delay = delay;
        this.closeConnection = closeConnection;
    }

    /** A JSON answer ({@code Content-Type: application/json}). */
    public static Reply json(int status, String json) {
        Objects.requireNonNull(json, "json");
        checkStatus(status);
        return new Reply(status, Map.of("Content-Type", "application/json"), json.getBytes(StandardCharsets.UTF_8),
                Duration.ZERO, false);
    }

    /** An answer with any body and content type. */
    public static Reply of(int status, String contentType, byte[] body) {
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
        checkStatus(status);
        return new Reply(status, Map.of("Content-Type", contentType), body.clone(), Duration.ZERO, false);
    }

    /** The OSB error body {@code {"error": ..., "description": ...}}. */
    public static Reply error(int status, String error, String description) {
        return json(status, "{\"error\":" + Catalogs.quote(error) + ",\"description\":"
                + Catalogs.quote(description) + "}");
    }

    /** A 200 whose body claims to be JSON but is not. */
    public static Reply invalidJson() {
        return json(200, "{\"services\": [ this is not json");
    }

    /** Closes the connection without answering anything. */
    public static Reply closeConnection() {
        return new Reply(0, Map.of(), new byte[0], Duration.ZERO, true);
    }

    /** The same answer, sent only after {@code delay}. */
    public Reply after(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
        return new Reply(status, headers, body, delay, closeConnection);
    }

    /** The same answer with one more header. */
    public Reply withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return new Reply(status, copy, body, delay, closeConnection);
    }

    public int status() {
        return status;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public byte[] body() {
        return body.clone();
    }

    public Duration delay() {
        return delay;
    }

    public boolean closesConnection() {
        return closeConnection;
    }

    private static void checkStatus(int status) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status must be between 100 and 599, was " + status);
        }
    }

    byte[] bodyUnsafe() {
        return body;
    }
}
