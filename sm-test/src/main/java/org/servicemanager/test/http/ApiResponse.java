package org.servicemanager.test.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An HTTP answer as {@link ApiClient} received it. Immutable and thread-safe.
 *
 * @param status  the status code
 * @param headers the headers, names in lower case
 * @param body    the body as UTF-8 text
 */
public record ApiResponse(int status, Map<String, List<String>> headers, String body) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public ApiResponse {
        headers = Map.copyOf(headers);
    }

    /** The first value of a header, by case-insensitive name. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** The body parsed as JSON; fails the test with the body in the message if it is not JSON. */
    public JsonNode json() {
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw new AssertionError("expected a JSON body, got an empty one (status " + status + ")");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new AssertionError("expected a JSON body (status " + status + "), got: " + body, e);
        }
    }

    /** A text field of the JSON body, or {@code null}. */
    public String text(String field) {
        JsonNode value = json().get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    @Override
    public String toString() {
        return "HTTP " + status + " " + body;
    }
}
