package org.servicemanager.api;

/** The addressed entity does not exist or is not visible to the caller (HTTP 404). */
public class NotFoundException extends ServiceManagerException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(message);
    }

    public NotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
