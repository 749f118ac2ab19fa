package org.servicemanager.api.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A registered platform (Cloud Foundry, Kubernetes, ...). It authenticates with the credentials
 * issued at registration; only their hash is kept. After a credential regeneration the previous
 * pair stays valid until the platform first authenticates with the new one.
 *
 * @param credentials         the current credentials (hashed)
 * @param previousCredentials the credentials before the last regeneration, or {@code null}
 */
public record Platform(
        String id,
        String name,
        String type,
        String description,
        PlatformCredentials credentials,
        PlatformCredentials previousCredentials,
        Labels labels,
        Instant createdAt,
        Instant updatedAt,
        boolean ready,
        long version) implements Entity {

    /**
     * The id (and name) of the reserved platform that everything created through the REST API
     * belongs to: the Service Manager acting as a platform. It always exists, cannot be changed or
     * deleted, and is not listed.
     */
    public static final String SERVICE_MANAGER_ID = "service-manager";

    public Platform {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    public Platform withVersion(long newVersion) {
        return new Platform(id, name, type, description, credentials, previousCredentials, labels, createdAt,
                updatedAt, ready, newVersion);
    }
}
