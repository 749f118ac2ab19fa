package org.servicemanager.core.internal.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import org.servicemanager.api.model.Notification;
import org.servicemanager.core.internal.json.Json;

/** A notification as the WebSocket text frame of the wire contract. */
final class Frames {
    private Frames() {
    }

    /**
     * The notification as JSON, its stored payload text embedded as a JSON object (not a string).
     * The text is the store's, written by the Service Manager as JSON, so it goes in as it is,
     * without being parsed and written again for every frame.
     */
    static String of(Notification n) {
        ObjectNode node = head(n);
        node.putRawValue("payload", new RawValue(n.payload()));
        return Json.text(node);
    }

    /** The notification as JSON with {@code payload} in place of its stored one (cut for one platform). */
    static String of(Notification n, JsonNode payload) {
        ObjectNode node = head(n);
        node.set("payload", payload);
        return Json.text(node);
    }

    private static ObjectNode head(Notification n) {
        // put(name, null) writes a JSON null, as the wire format has for these two.
        return Json.object()
                .put("id", n.id())
                .put("resource", n.resource())
                .put("type", n.type().name())
                .put("platform_id", n.platformId())
                .put("revision", n.revision())
                .put("correlation_id", n.correlationId())
                .put("created_at", Json.timestamp(n.createdAt()));
    }
}
