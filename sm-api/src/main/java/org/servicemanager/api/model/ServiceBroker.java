package org.servicemanager.api.model;

import java.time.Instant;
import java.util.Objects;

/** A registered service broker. Its credentials are never part of an API answer. */
public record ServiceBroker(
        String id,
        String name,
        String description,
        String brokerUrl,
        BrokerCredentials credentials,
        Labels labels,
        Instant createdAt,
        Instant updatedAt,
        boolean ready,
        long version) implements Entity {

    public ServiceBroker {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(brokerUrl, "brokerUrl");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    public ServiceBroker withVersion(long newVersion) {
        return new ServiceBroker(id, name, description, brokerUrl, credentials, labels, createdAt, updatedAt, ready,
                newVersion);
    }
}
