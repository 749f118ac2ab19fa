package org.servicemanager.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An HTTP response produced by the Service Manager, for an adapter to write out. Immutable and
 * thread-safe.
 */
public final class SmResponse {
    private final int status;
    private final Map<String, List<String>> headers;
    private final byte[] body;

    private SmResponse(int status, Map<String, List<String>> headers, byte[] body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    public static Builder builder(int status) {
        return new Builder(status);
    }

    public int status() {
        return status;
    }

    /** Headers with their names as set (e.g. {@code Content-Type}). */
    public Map<String, List<String>> headers() {
        return headers;
    }

    /** The first value of a header, by case-insensitive name. */
    public Optional<String> header(String name) {
        return headers.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty())
                .map(e -> e.getValue().get(0))
                .findFirst();
    }

    public byte[] body() {
        return body;
    }

    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** A copy with one more header. */
    public SmResponse withHeader(String name, String value) {
        Builder b = new Builder(status);
        headers.forEach((k, v) -> v.forEach(x -> b.header(k, x)));
        return b.header(name, value).body(body).build();
    }

    @Override
    public String toString() {
        return "SmResponse[" + status + "]";
    }

    /** Builds an {@link SmResponse}. Not thread-safe. */
    public static final class Builder {
        private final int status;
        private final Map<String, List<String>> headers = new LinkedHashMap<>();
        private byte[] body = new byte[0];

        private Builder(int status) {
            if (status < 100 || status > 599) {
                throw new IllegalArgumentException("status must be between 100 and 599, was " + status);
            }
            this.status = status;
        }

        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "header name");
            Objects.requireNonNull(value, "header value");
            headers.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            return this;
        }

        public Builder body(byte[] body) {
            this.body = Objects.requireNonNull(body, "body");
            return this;
        }

        public SmResponse build() {
            Map<String, List<String>> copy = new LinkedHashMap<>();
            headers.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            return new SmResponse(status, Collections.unmodifiableMap(copy), body);
        }
    }
}
