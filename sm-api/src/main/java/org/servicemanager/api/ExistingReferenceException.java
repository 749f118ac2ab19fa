package org.servicemanager.api;

/** A deletion is blocked because other entities still depend on the target (HTTP 409); the message names them. */
public class ExistingReferenceException extends ConflictException {
    private static final long serialVersionUID = 1L;

    public ExistingReferenceException(String message) {
        super(message);
    }

    public ExistingReferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
