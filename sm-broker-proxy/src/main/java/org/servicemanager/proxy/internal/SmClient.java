package org.servicemanager.proxy.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what the Service Manager shows the platform, as the platform (HTTP Basic), following the
 * paging tokens: brokers, offerings, plans and visibilities, folded into a model. Thread-safe.
 */
public final class SmClient {
    /** The largest page the Service Manager serves; fewer round trips on a big registry. */
    public static final int MAX_PAGE_SIZE = 500;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The Service Manager could not be read; the caller retries later. */
    public static final class SmReadException extends Exception {
        private static final long serialVersionUID = 1L;

        private final int status;

        SmReadException(String message, Throwable cause) {
            this(0, message, cause);
        }

        SmReadException(int status, String message, Throwable cause) {
            super(message, cause);
            this.status = status;
        }

        /** The HTTP status the Service Manager answered, 0 when it did not answer. */
        public int status() {
            return status;
        }
    }

    /**
     * What {@code GET /v1/notifications} without an upgrade answers: the newest revision in the
     * Service Manager's store and how often the stream must be pinged at least.
     */
    public record StreamStart(long lastNotificationRevision, Duration maxPingPeriod) {
    }

    /** The model's content from one full read. */
    public record State(List<SmModel.Broker> brokers, List<SmModel.Visibility> visibilities) {
    }

    private final HttpClient http;
    private final String baseUrl;
    private final String authorization;
    private final Duration timeout;
    private final int pageSize;

    public SmClient(HttpClient http, String baseUrl, String authorization, Duration timeout, int pageSize) {
        this.http = http;
        this.baseUrl = baseUrl;
        this.authorization = authorization;
        this.timeout = timeout;
        this.pageSize = pageSize;
    }

    /** One full read. {@code correlationId} goes with every request, so the SM's log shows the resync. */
    public State read(String correlationId) throws SmReadException, InterruptedException {
        List<JsonNode> brokers = list("/v1/service_brokers", correlationId);
        List<JsonNode> offerings = list("/v1/service_offerings", correlationId);
        List<JsonNode> plans = list("/v1/service_plans", correlationId);
        List<JsonNode> visibilities = list("/v1/visibilities", correlationId);
        try {
            Map<String, String> brokerOfOffering = new HashMap<>();
            for (JsonNode o : offerings) {
                brokerOfOffering.put(required(o, "id"), required(o, "broker_id"));
            }
            Map<String, Map<String, String>> plansOfBroker = new HashMap<>();
            for (JsonNode p : plans) {
                String broker = brokerOfOffering.get(required(p, "service_offering_id"));
                if (broker != null) {
                    plansOfBroker.computeIfAbsent(broker, k -> new HashMap<>())
                            .put(required(p, "id"), required(p, "catalog_id"));
                }
            }
            List<SmModel.Broker> brokerList = new ArrayList<>();
            for (JsonNode b : brokers) {
                String id = required(b, "id");
                brokerList.add(new SmModel.Broker(id, required(b, "name"), plansOfBroker.getOrDefault(id, Map.of())));
            }
            List<SmModel.Visibility> visibilityList = new ArrayList<>();
            for (JsonNode v : visibilities) {
                JsonNode platform = v.path("platform_id");
                visibilityList.add(new SmModel.Visibility(required(v, "id"), required(v, "service_plan_id"),
                        platform.isTextual() ? platform.asText() : null,
                        Notification.labels(v.path("labels"), "visibility " + v.path("id").asText())));
            }
            return new State(brokerList, visibilityList);
        } catch (Notification.BadNotificationException | IllegalArgumentException e) {
            throw new SmReadException("the Service Manager answered an unexpected list: " + e.getMessage(), e);
        }
    }

    /**
     * Asks the notification endpoint ({@code http} or {@code https}), without upgrading, for the
     * newest revision and the ping period: the JDK's WebSocket client does not show the upgrade
     * answer's headers, which carry the same two values. Taken from the JSON body, else from the
     * headers; a missing or bad ping period falls back to {@code defaultPingPeriod}.
     */
    public StreamStart streamStart(URI notifications, String correlationId, Duration defaultPingPeriod)
            throws SmReadException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(notifications).timeout(timeout)
                .header("Authorization", authorization).header("Accept", "application/json")
                .header("X-Correlation-ID", correlationId).GET().build();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new SmReadException("GET " + notifications.getPath() + " failed: " + e, e);
        }
        String text = new String(response.body(), StandardCharsets.UTF_8);
        if (response.statusCode() != 200) {
            throw new SmReadException(response.statusCode(), "GET " + notifications.getPath() + " answered "
                    + response.statusCode() + ": " + abbreviate(text), null);
        }
        JsonNode body;
        try {
            body = MAPPER.readTree(text);
        } catch (IOException e) {
            body = null;
        }
        long revision = number(body, response, "last_notification_revision");
        if (revision < 0) {
            throw new SmReadException(200, "GET " + notifications.getPath()
                    + " answered no last_notification_revision: " + abbreviate(text), null);
        }
        long ping = number(body, response, "max_ping_period");
        return new StreamStart(revision, ping > 0 ? Duration.ofMillis(ping) : defaultPingPeriod);
    }

    /** A non-negative whole number from the body's field or else the header; -1 when neither has one. */
    private static long number(JsonNode body, HttpResponse<?> response, String name) {
        JsonNode field = body == null ? null : body.get(name);
        if (field != null && field.canConvertToExactIntegral() && field.asLong(-1) >= 0) {
            return field.asLong();
        }
        String header = response.headers().firstValue(name).orElse("").trim();
        try {
            long value = Long.parseLong(header);
            return value >= 0 ? value : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private List<JsonNode> list(String path, String correlationId) throws SmReadException, InterruptedException {
        List<JsonNode> items = new ArrayList<>();
        String token = null;
        do {
            String uri = baseUrl + path + "?max_items=" + pageSize
                    + (token == null ? "" : "&token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
            HttpRequest request = HttpRequest.newBuilder(URI.create(uri)).timeout(timeout)
                    .header("Authorization", authorization).header("Accept", "application/json")
                    .header("X-Correlation-ID", correlationId).GET().build();
            HttpResponse<byte[]> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                throw new SmReadException("GET " + path + " failed: " + e, e);
            }
            if (response.statusCode() != 200) {
                throw new SmReadException("GET " + path + " answered " + response.statusCode() + ": "
                        + abbreviate(new String(response.body(), StandardCharsets.UTF_8)), null);
            }
            JsonNode page;
            try {
                page = MAPPER.readTree(response.body());
            } catch (IOException e) {
                throw new SmReadException("GET " + path + " answered a body that is not JSON", e);
            }
            if (page == null || !page.path("items").isArray()) {
                throw new SmReadException("GET " + path + " answered a page without items", null);
            }
            page.get("items").forEach(items::add);
            JsonNode next = page.path("token");
            token = next.isTextual() && !next.asText().isEmpty() ? next.asText() : null;
        } while (token != null);
        return items;
    }

    private static String required(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("an item lacks " + field);
        }
        return value.asText();
    }

    private static String abbreviate(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }
}
