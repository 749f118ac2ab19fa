package org.servicemanager.core.internal.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.UnsupportedMediaTypeException;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.security.Principal;

/**
 * One request in flight: the request, who made it, the pattern of the route it matched and that
 * route's decoded path parameters. Not thread-safe.
 */
public final class Call {
    private final SmRequest request;
    private final Principal principal;
    private final String pattern;
    private final Map<String, String> pathParams;
    private final String correlationId;
    private ObjectNode json;

    public Call(SmRequest request, Principal principal, String pattern, Map<String, String> pathParams,
            String correlationId) {
        this.request = request;
        this.principal = principal;
        this.pattern = pattern;
        this.pathParams = pathParams;
        this.correlationId = correlationId;
    }

    public SmRequest request() {
        return request;
    }

    public Principal principal() {
        return principal;
    }

    /**
     * The pattern of the matched route, e.g. {@code /v1/osb/{broker_id}/v2/catalog}: what the call
     * addresses, independent of how the client spelled the path (extra or trailing slashes,
     * percent-encoding).
     */
    public String pattern() {
        return pattern;
    }

    public String correlationId() {
        return correlationId;
    }

    public String pathParam(String name) {
        String value = pathParams.get(name);
        if (value == null) {
            throw new IllegalStateException("route has no path parameter " + name);
        }
        return value;
    }

    /** A path parameter the route may or may not have. */
    public Optional<String> optionalPathParam(String name) {
        return Optional.ofNullable(pathParams.get(name));
    }

    public Optional<String> query(String name) {
        return request.queryParameter(name);
    }

    /** A boolean query flag: absent is {@code false}; anything but true/false is a 400. */
    public boolean queryFlag(String name) {
        Optional<String> value = query(name);
        if (value.isEmpty()) {
            return false;
        }
        return switch (value.get().toLowerCase(Locale.ROOT)) {
            case "true", "" -> true;
            case "false" -> false;
            default -> throw new BadRequestException(
                    "query parameter '" + name + "' must be true or false, was '" + value.get() + "'");
        };
    }

    /**
     * The body as a JSON object; checks the content type (415) and the syntax (400). The size limit
     * was enforced before routing.
     */
    public ObjectNode jsonBody() {
        if (json == null) {
            String contentType = request.header("Content-Type").orElse("");
            if (!isJson(contentType)) {
                throw new UnsupportedMediaTypeException(contentType.isEmpty()
                        ? "the request has no Content-Type; send the body as application/json"
                        : "Content-Type '" + contentType + "' is not supported; send the body as application/json");
            }
            json = Json.parseObject(request.body(), "the request body");
        }
        return json;
    }

    static boolean isJson(String contentType) {
        String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return type.equals("application/json") || (type.startsWith("application/") && type.endsWith("+json"));
    }
}
