package org.servicemanager.core.internal.security;

import org.servicemanager.api.model.Platform;

/** Who is calling. Immutable. */
public sealed interface Principal permits Principal.Admin, Principal.PlatformCaller, Principal.Anonymous {

    /** A configured administrator. */
    record Admin(String username) implements Principal {
    }

    /** A registered platform, authenticated with its registration credentials. */
    record PlatformCaller(Platform platform) implements Principal {
        public String platformId() {
            return platform.id();
        }
    }

    /** No credentials were given. */
    record Anonymous() implements Principal {
    }

    Anonymous ANONYMOUS = new Anonymous();
}
