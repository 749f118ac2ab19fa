package org.servicemanager.api;

/** A visibility for the same platform and plan already exists (HTTP 409). */
public class VisibilityAlreadyExistsException extends ConflictException {
    private static final long serialVersionUID = 1L;

    public VisibilityAlreadyExistsException(String message) {
        super(message);
    }

    public VisibilityAlreadyExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}
