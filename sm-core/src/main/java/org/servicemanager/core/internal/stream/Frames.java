package org.servicemanager.core.internal.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.servicemanager.api.model.Notification;
import org.servicemanager.core.internal.json.Json;

/** A notification as the WebSocket text frame of the wire contract. */
final class Frames {
    private Frames() {
    }

    /** The notification as JSON, its stored payload text embedded as a JSON object (not a string). */
    static String of(Notification n) {
        return of(n, Json.readTrusted(n.payload()));
    }

    /** The notification as JSON with {@code payload} in place of its stored one (cut for one platform). */
    static String of(Notification n, JsonNode payload) {
        ObjectNode node = Json.object()
                .put("id", n.id())
                .put("resource", n.resource())
                .put("type", n.type().name());
        if (n.platformId() == null) {
            node.putNull("platform_id");
        } else {
            node.put("platform_id", n.platformId());
        }
        node.put("revision", n.revision());
        if (n.correlationId() == null) {
            node.putNull("correlation_id");
        } else {
            node.put("correlation_id", n.correlationId());
        }
        node.put("created_at", Json.timestamp(n.createdAt()));
        node.set("payload", payload);
        return Json.text(node);
    }
}
