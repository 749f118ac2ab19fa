package org.servicemanager.core.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.json.Json;

/** Builds JSON responses. */
public final class Responses {
    public static final String JSON = "application/json";
    private static final byte[] EMPTY_OBJECT = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private Responses() {
    }

    public static SmResponse json(int status, JsonNode body) {
        return SmResponse.builder(status).header("Content-Type", JSON).body(Json.bytes(body)).build();
    }

    public static SmResponse.Builder jsonBuilder(int status, JsonNode body) {
        return SmResponse.builder(status).header("Content-Type", JSON).body(Json.bytes(body));
    }

    /** {@code {}} with the status; what deletes answer. */
    public static SmResponse emptyObject(int status) {
        return SmResponse.builder(status).header("Content-Type", JSON).body(EMPTY_OBJECT).build();
    }

    public static SmResponse error(int status, String code, String description) {
        return json(status, Json.object().put("error", code).put("description", description));
    }
}
