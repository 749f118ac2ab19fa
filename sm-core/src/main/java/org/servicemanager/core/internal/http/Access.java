package org.servicemanager.core.internal.http;

/** Who may call a route. */
public enum Access {
    /** Anyone, without credentials. */
    PUBLIC,
    /** Administrators only. */
    ADMIN,
    /** Administrators, and platforms (which then see only what is visible to them). */
    ADMIN_OR_PLATFORM,
    /** Platforms only (the OSB face). */
    PLATFORM
}
