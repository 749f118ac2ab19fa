package org.servicemanager.api.security;

import java.util.Locale;

/**
 * What a person or client operating the Service Manager may do. Platforms are not operators: they
 * keep their own rules (their catalog, their notifications, the OSB face).
 */
public enum Role {
    /** Everything. */
    ADMIN("admin"),
    /** Reads only: {@code GET} (and {@code HEAD}) on every resource an administrator may read. */
    READ_ONLY("read-only");

    private final String wireName;

    Role(String wireName) {
        this.wireName = wireName;
    }

    /** The name users configure and messages show: {@code admin}, {@code read-only}. */
    public String wireName() {
        return wireName;
    }

    /** Whether this role includes everything {@code other} may do. */
    public boolean includes(Role other) {
        return this == ADMIN || this == other;
    }

    /**
     * The role of a wire name, case-insensitive.
     *
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static Role fromWireName(String name) {
        for (Role role : values()) {
            if (role.wireName.equals(name == null ? null : name.toLowerCase(Locale.ROOT))) {
                return role;
            }
        }
        throw new IllegalArgumentException("role must be admin or read-only, was " + name);
    }
}
