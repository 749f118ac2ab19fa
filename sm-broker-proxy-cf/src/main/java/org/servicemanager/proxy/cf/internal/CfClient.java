package org.servicemanager.proxy.cf.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.servicemanager.proxy.PlatformException;

/**
 * The Cloud Controller v3 API as the platform needs it: authenticated JSON calls (with one retry
 * on a fresh token after a 401), every page of a list, waiting for asynchronous jobs, and CF error
 * bodies turned into {@link PlatformException} messages. Thread-safe.
 */
public final class CfClient {
    private static final int MAX_BODY_IN_MESSAGE = 300;

    private final HttpClient http;
    private final ObjectMapper json;
    private final String apiBase;
    private final UaaTokens tokens;
    private final Duration requestTimeout;
    private final Clock clock;
    private final Duration pollInterval;
    private final Duration jobTimeout;

    /** A Cloud Controller answer: status, headers and the body as JSON (an empty object if none). */
    public record Response(int status, HttpHeaders headers, JsonNode body) {
    }

    public CfClient(HttpClient http, ObjectMapper json, String apiBase, UaaTokens tokens, Duration requestTimeout,
            Clock clock, Duration pollInterval, Duration jobTimeout) {
        this.http = Objects.requireNonNull(http, "http");
        this.json = Objects.requireNonNull(json, "json");
        this.apiBase = Objects.requireNonNull(apiBase, "apiBase");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
        this.jobTimeout = Objects.requireNonNull(jobTimeout, "jobTimeout");
    }

    /**
     * The UAA token endpoint the Cloud Controller at {@code apiBase} advertises at its root
     * ({@code links.uaa}, else {@code links.login}), plus {@code /oauth/token}.
     */
    public static URI discoverTokenUrl(HttpClient http, ObjectMapper json, String apiBase, Duration requestTimeout) {
        URI root = URI.create(apiBase + "/");
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(root).timeout(requestTimeout).header("Accept", "application/json")
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new PlatformException("cannot reach the Cloud Controller at " + root + " to find its UAA: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformException("interrupted while finding the UAA of " + root, e);
        }
        if (response.statusCode() != 200) {
            throw new PlatformException("GET " + root + " answered " + response.statusCode() + ", so its UAA is unknown");
        }
        JsonNode links;
        try {
            links = json.readTree(response.body()).path("links");
        } catch (IOException e) {
            throw new PlatformException("GET " + root + " answered no JSON, so its UAA is unknown", e);
        }
        for (String name : List.of("uaa", "login")) {
            String href = links.path(name).path("href").asText("");
            if (!href.isEmpty()) {
                return URI.create(trimSlash(href) + "/oauth/token");
            }
        }
        throw new PlatformException("GET " + root + " links neither uaa nor login, so its UAA is unknown");
    }

    /** Sends a request and returns whatever the Cloud Controller answered. */
    public Response call(String method, String pathOrUrl, JsonNode body, String what) {
        URI uri = uri(pathOrUrl);
        String token = tokens.token();
        Response response = send(method, uri, body, token, what);
        if (response.status() == 401) {
            // The token may have been revoked or have expired by the Cloud Controller's clock before
            // ours: one fresh token, once; a second 401 is a real refusal.
            tokens.invalidate(token);
            response = send(method, uri, body, tokens.token(), what);
        }
        return response;
    }

    /** Like {@link #call}, but any status other than {@code expected} throws a {@link PlatformException}. */
    public Response expect(String method, String pathOrUrl, JsonNode body, String what, int... expected) {
        Response response = call(method, pathOrUrl, body, what);
        for (int status : expected) {
            if (response.status() == status) {
                return response;
            }
        }
        throw failure(what, method, pathOrUrl, response);
    }

    /** Every resource of a paginated list, following {@code pagination.next.href} to the last page. */
    public List<JsonNode> list(String pathWithQuery, String what) {
        List<JsonNode> all = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String next = pathWithQuery;
        while (next != null) {
            if (!seen.add(next)) {
                throw new PlatformException(what + ": the Cloud Controller's pages loop back to " + next);
            }
            JsonNode page = expect("GET", next, null, what, 200).body();
            page.path("resources").forEach(all::add);
            String href = page.path("pagination").path("next").path("href").asText("");
            next = href.isEmpty() ? null : href;
        }
        return all;
    }

    /**
     * Waits for the job a {@code 202 Accepted} answer points to (its {@code Location} header) to
     * complete, polling every poll interval until the job timeout; returns the completed job.
     */
    public JsonNode awaitJob(Response accepted, String what) {
        String location = accepted.headers().firstValue("Location")
                .orElseThrow(() -> new PlatformException(what + ": the Cloud Controller accepted it without a job Location"));
        Instant deadline = clock.instant().plus(jobTimeout);
        while (true) {
            JsonNode job = expect("GET", location, null, what + " (job " + location + ")", 200).body();
            String state = job.path("state").asText("");
            if (state.equals("COMPLETE")) {
                return job;
            }
            if (state.equals("FAILED")) {
                throw new PlatformException(what + " failed: job " + job.path("guid").asText(location) + " FAILED: "
                        + errors(job.path("errors")));
            }
            if (!clock.instant().isBefore(deadline)) {
                throw new PlatformException(what + ": job " + job.path("guid").asText(location) + " still " + state
                        + " after " + jobTimeout);
            }
            pause();
        }
    }

    /** A failure naming what was asked, the call, the status and the CF errors of the body. */
    public PlatformException failure(String what, String method, String pathOrUrl, Response response) {
        JsonNode errors = response.body().path("errors");
        String detail = errors.isArray() && !errors.isEmpty() ? errors(errors) : abbreviate(response.body().toString());
        return new PlatformException(what + " failed: " + method + " " + pathOrUrl + " answered " + response.status()
                + (detail.isEmpty() || detail.equals("{}") ? "" : ": " + detail));
    }

    /** A query parameter value, URL-encoded. */
    public static String param(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private Response send(String method, URI uri, JsonNode body, String token, String what) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Authorization", "bearer " + token)
                .header("Accept", "application/json");
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new PlatformException(what + " failed: cannot reach the Cloud Controller (" + method + " " + uri + "): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformException(what + " interrupted (" + method + " " + uri + ")", e);
        }
        return new Response(response.statusCode(), response.headers(), parse(response.body()));
    }

    private JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return json.createObjectNode();
        }
        try {
            return json.readTree(body);
        } catch (IOException e) {
            return json.getNodeFactory().textNode(body);
        }
    }

    private URI uri(String pathOrUrl) {
        // Pagination and job links are absolute; our own calls are paths under the API URL, which
        // may itself have a path, so they are appended rather than resolved.
        return URI.create(pathOrUrl.startsWith("/") ? apiBase + pathOrUrl : pathOrUrl);
    }

    private void pause() {
        if (pollInterval.isZero()) {
            return;
        }
        try {
            Thread.sleep(pollInterval.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformException("interrupted while waiting for a Cloud Controller job", e);
        }
    }

    private static String errors(JsonNode errors) {
        List<String> parts = new ArrayList<>();
        for (JsonNode error : errors) {
            String title = error.path("title").asText("");
            String code = error.path("code").asText("");
            String detail = error.path("detail").asText("");
            parts.add((title.isEmpty() ? "error" : title) + (code.isEmpty() ? "" : " (" + code + ")")
                    + (detail.isEmpty() ? "" : ": " + detail));
        }
        return parts.isEmpty() ? "no errors given" : String.join("; ", parts);
    }

    private static String abbreviate(String text) {
        return text.length() <= MAX_BODY_IN_MESSAGE ? text : text.substring(0, MAX_BODY_IN_MESSAGE) + "...";
    }

    /** {@code url} without one trailing slash, so that paths can be appended to it. */
    public static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
