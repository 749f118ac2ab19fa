package org.servicemanager.api.model;

/** What happened to the resource a {@link Notification} is about. */
public enum NotificationType {
    CREATED,
    MODIFIED,
    DELETED
}
