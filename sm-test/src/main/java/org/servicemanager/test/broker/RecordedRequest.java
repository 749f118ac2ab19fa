package org.servicemanager.test.broker;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A request as it reached a {@link FakeBroker}, for tests to assert what the Service Manager sent.
 *
 * @param method  the upper-case HTTP method
 * @param path    the decoded request path, e.g. {@code /v2/catalog}
 * @param query   the raw query string without {@code ?}, or {@code null}
 * @param headers every header, names in lower case
 * @param body    the body as UTF-8 text, {@code ""} when there was none
 */
public record RecordedRequest(String method, String path, String query, Map<String, List<String>> headers,
        String body) {
    public RecordedRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        headers = Map.copyOf(headers);
        body = body == null ? "" : body;
    }

    /** The first value of a header, by case-insensitive name. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    @Override
    public String toString() {
        return method + " " + path + (query == null ? "" : "?" + query);
    }
}
