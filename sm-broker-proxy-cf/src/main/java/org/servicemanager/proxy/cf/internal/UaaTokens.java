package org.servicemanager.proxy.cf.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.function.Supplier;
import org.servicemanager.proxy.PlatformException;

/**
 * A UAA access token obtained with the client-credentials grant, kept until shortly before it
 * expires so that every Cloud Controller call does not cost a token request. Thread-safe: callers
 * that find no valid token wait for one fetch instead of each fetching their own.
 */
public final class UaaTokens {
    /** Refresh this long before expiry at most, so a token does not run out on its way to the API. */
    private static final Duration MAX_MARGIN = Duration.ofSeconds(30);

    private final HttpClient http;
    private final ObjectMapper json;
    private final Supplier<URI> tokenUrl;
    private final String clientId;
    private final String clientSecret;
    private final Duration requestTimeout;
    private final Clock clock;

    private URI resolvedTokenUrl;
    private String token;
    private Instant refreshAt = Instant.MIN;

    /**
     * @param tokenUrl asked at the first fetch (and again only until it answers), so that discovery,
     *                 which needs the network, does not happen at construction
     */
    public UaaTokens(HttpClient http, ObjectMapper json, Supplier<URI> tokenUrl, String clientId,
            String clientSecret, Duration requestTimeout, Clock clock) {
        this.http = Objects.requireNonNull(http, "http");
        this.json = Objects.requireNonNull(json, "json");
        this.tokenUrl = Objects.requireNonNull(tokenUrl, "tokenUrl");
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A token valid for a while yet, fetched only if the cached one is missing or nearly expired. */
    public synchronized String token() {
        if (token == null || !clock.instant().isBefore(refreshAt)) {
            fetch();
        }
        return token;
    }

    /**
     * Forgets {@code rejected} after the Cloud Controller refused it (revoked, or expired early by
     * the clocks' disagreement). A token fetched meanwhile by another caller is kept.
     */
    public synchronized void invalidate(String rejected) {
        if (Objects.equals(token, rejected)) {
            token = null;
        }
    }

    private void fetch() {
        if (resolvedTokenUrl == null) {
            resolvedTokenUrl = Objects.requireNonNull(tokenUrl.get(), "token URL");
        }
        URI url = resolvedTokenUrl;
        // RFC 6749 2.3.1: the client id and secret are form-encoded before they go into Basic.
        String pair = form(clientId) + ":" + form(clientSecret);
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(requestTimeout)
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
                .build();
        Instant asked = clock.instant();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new PlatformException("cannot reach UAA at " + url + " for a token of client " + clientId + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformException("interrupted while getting a UAA token of client " + clientId, e);
        }
        JsonNode body = parse(response.body());
        if (response.statusCode() != 200) {
            String why = body.path("error").asText("") + (body.hasNonNull("error_description")
                    ? ": " + body.path("error_description").asText() : "");
            throw new PlatformException("UAA at " + url + " refused a token to client " + clientId + " (status "
                    + response.statusCode() + (why.isEmpty() ? "" : ", " + why) + ")");
        }
        String accessToken = body.path("access_token").asText("");
        if (accessToken.isEmpty()) {
            throw new PlatformException("UAA at " + url + " answered client " + clientId + " without an access_token");
        }
        long expiresIn = body.path("expires_in").asLong(0);
        Duration lifetime = Duration.ofSeconds(Math.max(0, expiresIn));
        Duration margin = lifetime.dividedBy(2).compareTo(MAX_MARGIN) < 0 ? lifetime.dividedBy(2) : MAX_MARGIN;
        // Counted from when we asked, not when the answer came, so a slow answer cannot make us
        // keep a token longer than UAA meant.
        token = accessToken;
        refreshAt = asked.plus(lifetime).minus(margin);
    }

    private JsonNode parse(String body) {
        try {
            JsonNode node = json.readTree(body == null ? "" : body);
            return node == null ? json.createObjectNode() : node;
        } catch (IOException e) {
            return json.createObjectNode();
        }
    }

    private static String form(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
