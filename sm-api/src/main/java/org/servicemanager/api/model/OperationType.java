package org.servicemanager.api.model;

/** What an operation on an instance or binding does. */
public enum OperationType {
    CREATE,
    UPDATE,
    DELETE
}
