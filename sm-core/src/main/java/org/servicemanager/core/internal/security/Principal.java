package org.servicemanager.core.internal.security;

import org.servicemanager.api.model.Platform;

/** Who is calling. Immutable. */
public sealed interface Principal permits Principal.Admin, Principal.PlatformCaller, Principal.Anonymous {

    /** A configured administrator. */
    record Admin(String username) implements Principal {
    }

    /**
     * A registered platform, authenticated with its registration credentials: {@code username} is
     * the user name it gave, its current one or, until that is first used, its previous one (so
     * what it opens, a notification stream, can be closed once that user name is retired).
     */
    record PlatformCaller(Platform platform, String username) implements Principal {
        public String platformId() {
            return platform.id();
        }
    }

    /** No credentials were given. */
    record Anonymous() implements Principal {
    }

    Anonymous ANONYMOUS = new Anonymous();
}
