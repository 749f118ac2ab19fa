package org.servicemanager.api.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A change of a service broker or a visibility, as the Service Manager tells it to the Service
 * Broker Proxies of the platforms. Stored in the same transaction as the change it describes.
 *
 * @param id            unique id
 * @param resource      {@code /v1/service_brokers} or {@code /v1/visibilities}
 * @param type          what happened
 * @param platformId    the platform the change concerns, or {@code null} for every platform
 * @param revision      assigned by the store: greater than that of every notification stored before
 *                      it, by any node
 * @param payload       the JSON object {@code {"new"?, "old"?, "label_changes"?}}, as text; never
 *                      holds a secret
 * @param correlationId the correlation id of the request that made the change, or {@code null}
 * @param createdAt     when it was stored
 */
public record Notification(
        String id,
        String resource,
        NotificationType type,
        String platformId,
        long revision,
        String payload,
        String correlationId,
        Instant createdAt) {

    public Notification {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** This notification with the revision the store assigned. */
    public Notification withRevision(long newRevision) {
        return new Notification(id, resource, type, platformId, newRevision, payload, correlationId, createdAt);
    }
}
