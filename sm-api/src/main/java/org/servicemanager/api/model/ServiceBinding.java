package org.servicemanager.api.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A binding of a service instance, created by the platform that owns the instance. Credentials of
 * bindings made through the OSB face are never stored: they go from the broker to the platform and
 * nowhere else. Bindings the Service Manager makes as a platform keep theirs, sealed.
 *
 * @param context      the OSB context the platform sent, as JSON text, or {@code null}
 * @param bindResource the OSB {@code bind_resource}, as JSON text, or {@code null}
 * @param credentials  what the broker returned of the binding (credentials, {@code syslog_drain_url},
 *                     {@code route_service_url}, {@code volume_mounts}, {@code endpoints}) as a JSON
 *                     object's text sealed by the store's {@code SecretCipher}, or {@code null}
 */
public record ServiceBinding(
        String id,
        String name,
        String serviceInstanceId,
        String platformId,
        String context,
        String bindResource,
        String credentials,
        LastOperation lastOperation,
        Labels labels,
        Instant createdAt,
        Instant updatedAt,
        boolean ready,
        long version) implements Entity {

    public ServiceBinding {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(serviceInstanceId, "serviceInstanceId");
        Objects.requireNonNull(platformId, "platformId");
        Objects.requireNonNull(lastOperation, "lastOperation");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    public ServiceBinding withVersion(long newVersion) {
        return new ServiceBinding(id, name, serviceInstanceId, platformId, context, bindResource, credentials, lastOperation,
                labels, createdAt, updatedAt, ready, newVersion);
    }

    /** A copy with {@code operation} as the latest operation, updated at {@code now}. */
    public ServiceBinding withOperation(LastOperation operation, Instant now) {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(now, "now");
        return new ServiceBinding(id, name, serviceInstanceId, platformId, context, bindResource, credentials, operation, labels,
                createdAt, now, ready, version);
    }

    /** A copy that is ready: its creation succeeded. */
    public ServiceBinding asReady() {
        return new ServiceBinding(id, name, serviceInstanceId, platformId, context, bindResource, credentials, lastOperation,
                labels, createdAt, updatedAt, true, version);
    }

    /** A copy named {@code newName}. */
    public ServiceBinding withName(String newName) {
        return new ServiceBinding(id, newName, serviceInstanceId, platformId, context, bindResource, credentials,
                lastOperation, labels, createdAt, updatedAt, ready, version);
    }

    /** A copy holding {@code sealed} credentials (or none). */
    public ServiceBinding withCredentials(String sealed) {
        return new ServiceBinding(id, name, serviceInstanceId, platformId, context, bindResource, sealed,
                lastOperation, labels, createdAt, updatedAt, ready, version);
    }

    public ServiceBinding withLabels(Labels newLabels, Instant now) {
        return new ServiceBinding(id, name, serviceInstanceId, platformId, context, bindResource, credentials, lastOperation,
                newLabels, createdAt, now, ready, version);
    }
}
