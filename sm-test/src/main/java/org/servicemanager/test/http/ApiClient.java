package org.servicemanager.test.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A small JSON client for black-box tests of the Service Manager's REST API over real HTTP.
 * Paths are sent as given, so a test controls the encoding of queries exactly (see
 * {@link #encode}). Instances are immutable; the {@code with...} methods return copies. Thread-safe.
 *
 * <pre>{@code
 * ApiClient admin = new ApiClient(server.baseUrl()).withCredentials("admin", "secret");
 * ApiResponse created = admin.post("/v1/platforms", "{\"name\": \"cf\", \"type\": \"cloudfoundry\"}");
 * assertThat(created.status()).isEqualTo(201);
 * }</pre>
 */
public final class ApiClient {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String baseUrl;
    private final String authorization;
    private final Map<String, String> headers;

    /** A client without credentials for {@code baseUrl} (e.g. {@code http://127.0.0.1:8080}). */
    public ApiClient(String baseUrl) {
        this(stripSlash(Objects.requireNonNull(baseUrl, "baseUrl")), null, Map.of());
    }

    private ApiClient(String baseUrl, String authorization, Map<String, String> headers) {
        this.baseUrl = baseUrl;
        this.authorization = authorization;
        this.headers = Map.copyOf(headers);
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** A copy that sends these HTTP Basic credentials. */
    public ApiClient withCredentials(String username, String password) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        return withAuthorization(basicAuthorization(username, password));
    }

    /**
     * The HTTP Basic {@code Authorization} header value of these credentials (UTF-8), the one the
     * fixture's clients send and its broker stubs demand.
     */
    public static String basicAuthorization(String username, String password) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** A copy that sends this {@code Authorization} header verbatim ({@code null}: none). */
    public ApiClient withAuthorization(String authorizationHeader) {
        return new ApiClient(baseUrl, authorizationHeader, headers);
    }

    /** A copy without credentials. */
    public ApiClient withoutCredentials() {
        return new ApiClient(baseUrl, null, headers);
    }

    /** A copy that sends one more header on every request. */
    public ApiClient withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return new ApiClient(baseUrl, authorization, copy);
    }

    public ApiResponse get(String path) {
        return send("GET", path, null, null);
    }

    public ApiResponse post(String path, String json) {
        return send("POST", path, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    public ApiResponse patch(String path, String json) {
        return send("PATCH", path, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    public ApiResponse put(String path, String json) {
        return send("PUT", path, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    public ApiResponse delete(String path) {
        return send("DELETE", path, null, null);
    }

    /**
     * Sends anything: any method, any content type ({@code null}: no Content-Type header), any
     * bytes ({@code null}: no body). For malformed-input tests.
     */
    public ApiResponse raw(String method, String path, String contentType, byte[] body) {
        return send(method, path, contentType, body);
    }

    /** Percent-encodes a query parameter value (spaces as {@code %20}). */
    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private ApiResponse send(String method, String path, String contentType, byte[] body) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/', was '" + path + "'");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(TIMEOUT)
                .method(method.toUpperCase(Locale.ROOT), body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::setHeader);
        if (authorization != null) {
            request.setHeader("Authorization", authorization);
        }
        if (contentType != null) {
            request.setHeader("Content-Type", contentType);
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            Map<String, List<String>> received = new LinkedHashMap<>();
            response.headers().map().forEach((name, values) -> received.computeIfAbsent(
                    name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(values));
            return new ApiResponse(response.statusCode(), received, response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " " + path + " was interrupted", e);
        }
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public String toString() {
        return "ApiClient[" + baseUrl + (authorization == null ? "" : ", with credentials") + "]";
    }
}
