package org.servicemanager.api;

/** The request conflicts with an existing entity, such as a duplicate name or id (HTTP 409). */
public class ConflictException extends ServiceManagerException {
    private static final long serialVersionUID = 1L;

    public ConflictException(String message) {
        super(message);
    }

    public ConflictException(String message, Throwable cause) {
        super(message, cause);
    }
}
