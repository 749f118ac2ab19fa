package org.servicemanager.core.internal.http;

/** Who may call a route. */
public enum Access {
    /** Anyone, without credentials. */
    PUBLIC,
    /**
     * Anyone; valid credentials, if given, identify the caller (who may then see more), and
     * credentials that cannot be checked make the caller anonymous rather than failing.
     */
    PUBLIC_IDENTIFIED,
    /** Operators only: any method with the role admin, GET/HEAD with read-only too. */
    ADMIN,
    /**
     * Operators with the role admin only, whatever the method: reads whose answer may hold secrets
     * (what a broker tells of an instance's or binding's parameters), which read-only operators
     * must not see.
     */
    ADMIN_ROLE,
    /**
     * Operators (by the same role rule as {@link #ADMIN}), and platforms (which then see only what is
     * visible to them).
     */
    ADMIN_OR_PLATFORM,
    /** Platforms only (the OSB face). */
    PLATFORM
}
