package org.servicemanager.core.internal.security;

import org.servicemanager.api.model.Platform;
import org.servicemanager.api.security.Role;

/** Who is calling. Immutable. */
public sealed interface Principal permits Principal.Operator, Principal.PlatformCaller, Principal.Anonymous {

    /** How an operator proved who it is: recorded for the audit log. */
    enum Via {
        BASIC("basic"), BEARER("bearer"), NONE("none");

        private final String wireName;

        Via(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    /**
     * A person or client operating the Service Manager: a configured Basic user, or the holder of a
     * bearer token. {@code role} is {@code null} for a valid token that grants no Service Manager
     * role (such a caller may call nothing that needs one). {@code subject} is who the credentials
     * really name: a token's {@code sub}, which the audit log shows beside a display name the
     * token's issuer may let its holder choose; for a Basic user, the user name. {@code tenant} is
     * the tenant a bearer token acts for, {@code null} for a global operator.
     */
    record Operator(String name, Role role, Via via, String subject, String tenant) implements Principal {
        /** An operator whose name is its subject (Basic users), global. */
        public Operator(String name, Role role, Via via) {
            this(name, role, via, name, null);
        }

        /** A global operator. */
        public Operator(String name, Role role, Via via, String subject) {
            this(name, role, via, subject, null);
        }

        /** Whether this operator may do what {@code needed} may. */
        public boolean has(Role needed) {
            return role != null && role.includes(needed);
        }
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

    /** Everyone, when the host disabled authentication (local experiments). */
    Operator AUTHENTICATION_DISABLED = new Operator("anonymous", Role.ADMIN, Via.NONE);
}
