package org.servicemanager.api.model;

import java.util.Objects;

/**
 * One error of a failed operation, as {@code errors} lists it: an error code (the broker's OSB
 * code, or the Service Manager's, such as {@code BrokerError}) and a description for people.
 */
public record OperationError(String error, String description) {
    public OperationError {
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(description, "description");
    }
}
