package org.servicemanager.core.internal.http;

import org.servicemanager.api.ForbiddenException;

/**
 * An operator lacks the role a call needs (403 naming it). For a bearer caller the answer also
 * carries RFC 6750's {@code insufficient_scope} challenge naming the scope that would do. Immutable.
 */
final class MissingRoleException extends ForbiddenException {
    private static final long serialVersionUID = 1L;
    /** The scope that grants the role, for a bearer caller; {@code null} otherwise. */
    private final String bearerScope;

    MissingRoleException(String message, String bearerScope) {
        super(message);
        this.bearerScope = bearerScope;
    }

    String bearerScope() {
        return bearerScope;
    }
}
