package org.servicemanager.api.model;

/** Where an operation stands, as OSB's {@code last_operation} reports it. */
public enum OperationState {
    IN_PROGRESS,
    SUCCEEDED,
    FAILED
}
