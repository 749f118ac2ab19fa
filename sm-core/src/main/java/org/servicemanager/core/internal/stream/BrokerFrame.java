package org.servicemanager.core.internal.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.servicemanager.api.model.Notification;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.notify.NotifyingStore;

/**
 * The frames of one broker notification as each platform may see it. A broker's notification
 * carries its whole catalog ({@code additional.services} of {@code old} and {@code new}), but a
 * platform may see only the plans it has a visibility for, as in the REST lists and the OSB
 * catalog: so each platform gets only those plans, offerings left without plans dropped, and no
 * frame at all when it sees none of the broker's plans on either side (it learns of plans taken
 * away from the visibility notifications, which come first).
 *
 * <p>Platforms that see the same plans of the broker share one frame, and one that sees them all
 * gets the notification as stored. Not thread-safe: made and used by one thread for one
 * notification.
 */
final class BrokerFrame {
    private static final List<String> SIDES = List.of("old", "new");

    private final Notification notification;
    private final JsonNode payload;
    /** The ids of the plans in {@code old} and {@code new}. */
    private final Set<String> planIds = new HashSet<>();
    /** The frames made so far, by the plans they keep. */
    private final Map<Set<String>, String> frames = new HashMap<>();

    BrokerFrame(Notification notification) {
        this.notification = notification;
        this.payload = Json.readTrusted(notification.payload());
        for (String side : SIDES) {
            for (JsonNode service : services(payload, side)) {
                for (JsonNode plan : service.path("plans")) {
                    planIds.add(plan.path("id").asText());
                }
            }
        }
    }

    static boolean concerns(Notification n) {
        return NotifyingStore.BROKERS.equals(n.resource());
    }

    /**
     * The frame for a platform that may see {@code visiblePlans}, or {@code null} when it sees
     * none of this broker's plans.
     */
    String forPlatform(Set<String> visiblePlans) {
        Set<String> kept = new HashSet<>();
        for (String id : planIds) {
            if (visiblePlans.contains(id)) {
                kept.add(id);
            }
        }
        if (kept.isEmpty()) {
            return null;
        }
        return frames.computeIfAbsent(kept, this::build);
    }

    private String build(Set<String> kept) {
        if (kept.size() == planIds.size()) {
            return Frames.of(notification, payload);
        }
        JsonNode copy = payload.deepCopy();
        for (String side : SIDES) {
            if (!(services(copy, side) instanceof ArrayNode services)) {
                continue;
            }
            for (int i = services.size() - 1; i >= 0; i--) {
                JsonNode plans = services.get(i).path("plans");
                if (plans instanceof ArrayNode planArray) {
                    for (int j = planArray.size() - 1; j >= 0; j--) {
                        if (!kept.contains(planArray.get(j).path("id").asText())) {
                            planArray.remove(j);
                        }
                    }
                }
                if (plans.isEmpty()) {
                    services.remove(i);
                }
            }
        }
        return Frames.of(notification, copy);
    }

    private static JsonNode services(JsonNode payload, String side) {
        JsonNode state = payload.path(side);
        return state instanceof ObjectNode ? state.path("additional").path("services") : state;
    }
}
