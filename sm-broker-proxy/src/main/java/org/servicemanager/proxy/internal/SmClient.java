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

        SmReadException(String message, Throwable cause) {
            super(message, cause);
        }
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
