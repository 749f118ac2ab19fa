package org.servicemanager.core;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An HTTP request as the Service Manager sees it, independent of any server. Adapters build one
 * per request; tests may build them directly and pass them to {@link ServiceManager#handle}.
 * Immutable and thread-safe (the body array is not copied; do not change it after building).
 */
public final class SmRequest {
    private final String method;
    private final String path;
    private final String rawQuery;
    private final String basePath;
    private final Map<String, List<String>> headers;
    private final byte[] body;
    private final String remoteAddress;
    private volatile Map<String, List<String>> queryParameters;

    private SmRequest(Builder b) {
        this.method = b.method;
        this.path = b.path;
        this.rawQuery = b.rawQuery;
        this.basePath = b.basePath;
        Map<String, List<String>> copy = new LinkedHashMap<>();
        b.headers.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        this.headers = Collections.unmodifiableMap(copy);
        this.body = b.body;
        this.remoteAddress = b.remoteAddress;
    }

    /**
     * Starts a request.
     *
     * @param method the HTTP method, e.g. {@code GET}
     * @param path   the raw (still percent-encoded) path below the mount point, e.g. {@code /v1/platforms}
     */
    public static Builder builder(String method, String path) {
        return new Builder(method, path);
    }

    /** The upper-case HTTP method. */
    public String method() {
        return method;
    }

    /** The raw path below the mount point, starting with {@code /}. */
    public String path() {
        return path;
    }

    /** The raw query string without {@code ?}, or {@code null}. */
    public String rawQuery() {
        return rawQuery;
    }

    /** Where the Service Manager is mounted (e.g. a servlet context path), {@code ""} at the root. */
    public String basePath() {
        return basePath;
    }

    /** The first value of a header (case-insensitive name). */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** All headers, names in lower case. */
    public Map<String, List<String>> headers() {
        return headers;
    }

    /** The client's address as the adapter saw it (for logs only), when the adapter knows it. */
    public Optional<String> remoteAddress() {
        return Optional.ofNullable(remoteAddress);
    }

    /** The body bytes; empty when there is none. */
    public byte[] body() {
        return body;
    }

    /** The decoded query parameters, in order; a parameter without {@code =} has the value {@code ""}. */
    public Map<String, List<String>> queryParameters() {
        Map<String, List<String>> result = queryParameters;
        if (result == null) {
            result = parseQuery(rawQuery);
            queryParameters = result;
        }
        return result;
    }

    /** The first value of a query parameter. */
    public Optional<String> queryParameter(String name) {
        List<String> values = queryParameters().get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    private static Map<String, List<String>> parseQuery(String raw) {
        if (raw == null || raw.isEmpty()) {
            return Map.of();
        }
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            params.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        params.replaceAll((k, v) -> List.copyOf(v));
        return Collections.unmodifiableMap(params);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // A stray '%' is kept literally rather than failing the whole request.
            return s;
        }
    }

    @Override
    public String toString() {
        return method + " " + path + (rawQuery == null ? "" : "?" + rawQuery);
    }

    /** Builds an {@link SmRequest}. Not thread-safe. */
    public static final class Builder {
        private final String method;
        private final String path;
        private String rawQuery;
        private String basePath = "";
        private final Map<String, List<String>> headers = new LinkedHashMap<>();
        private byte[] body = new byte[0];
        private String remoteAddress;

        private Builder(String method, String path) {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(path, "path");
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("path must start with '/', was '" + path + "'");
            }
            this.method = method.toUpperCase(Locale.ROOT);
            this.path = path;
        }

        /** The raw query string, without {@code ?}; {@code null} for none. */
        public Builder query(String rawQuery) {
            this.rawQuery = rawQuery;
            return this;
        }

        public Builder basePath(String basePath) {
            Objects.requireNonNull(basePath, "basePath");
            if (!basePath.isEmpty() && (!basePath.startsWith("/") || basePath.endsWith("/"))) {
                throw new IllegalArgumentException(
                        "basePath must be empty or start with '/' and not end with '/', was '" + basePath + "'");
            }
            this.basePath = basePath;
            return this;
        }

        /** Adds a header value; names are case-insensitive. */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "header name");
            Objects.requireNonNull(value, "header value");
            headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
            return this;
        }

        public Builder body(byte[] body) {
            this.body = Objects.requireNonNull(body, "body");
            return this;
        }

        /** The client's address, e.g. {@code 192.0.2.7}; only logged (failed logins), never trusted. */
        public Builder remoteAddress(String remoteAddress) {
            this.remoteAddress = remoteAddress;
            return this;
        }

        /** A UTF-8 JSON body with its content type. */
        public Builder jsonBody(String json) {
            header("Content-Type", "application/json");
            return body(json.getBytes(StandardCharsets.UTF_8));
        }

        public SmRequest build() {
            return new SmRequest(this);
        }
    }
}
