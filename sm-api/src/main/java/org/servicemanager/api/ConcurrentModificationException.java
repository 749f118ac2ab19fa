package org.servicemanager.api;

/** The entity was changed by someone else since it was read (optimistic locking) (HTTP 422). */
public class ConcurrentModificationException extends ServiceManagerException {
    private static final long serialVersionUID = 1L;

    public ConcurrentModificationException(String message) {
        super(message);
    }

    public ConcurrentModificationException(String message, Throwable cause) {
        super(message, cause);
    }
}
