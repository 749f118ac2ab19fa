package org.servicemanager.api;

/** An entity refers to another entity that does not exist (HTTP 400): for example a visibility for an unknown plan. */
public class ReferenceViolationException extends BadRequestException {
    private static final long serialVersionUID = 1L;

    public ReferenceViolationException(String message) {
        super(message);
    }

    public ReferenceViolationException(String message, Throwable cause) {
        super(message, cause);
    }
}
