package org.servicemanager.api.model;

import java.util.Objects;

/**
 * A platform's Basic credentials as stored: the user name in clear, the password only as a salted
 * slow hash (the format is owned by {@code sm-core}).
 */
public record PlatformCredentials(String username, String passwordHash) {
    public PlatformCredentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(passwordHash, "passwordHash");
    }

    @Override
    public String toString() {
        return "PlatformCredentials[username=" + username + ", passwordHash=<redacted>]";
    }
}
