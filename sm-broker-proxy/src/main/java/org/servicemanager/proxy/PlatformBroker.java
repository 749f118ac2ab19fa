package org.servicemanager.proxy;

import java.util.Objects;

/**
 * A broker registration in a platform. Immutable.
 *
 * @param id   the platform's id of the registration (Cloud Foundry: the broker's GUID)
 * @param name the name the platform shows
 * @param url  the URL the platform calls
 */
public record PlatformBroker(String id, String name, String url) {
    public PlatformBroker {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
    }
}
