package org.servicemanager.proxy;

import java.util.Objects;

/**
 * What the proxy registers in a platform for one Service Manager broker: the prefixed name, the
 * broker's URL at the Service Manager's OSB face, and the platform's own Service Manager
 * credentials, with which the platform then calls that URL. Immutable.
 */
public record BrokerRegistration(String name, String url, String username, String password) {
    public BrokerRegistration {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "BrokerRegistration[name=" + name + ", url=" + url + ", username=" + username + "]";
    }
}
