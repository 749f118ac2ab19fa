package org.servicemanager.api;

/** The request body exceeds the configured limit (HTTP 413). */
public class PayloadTooLargeException extends ServiceManagerException {
    private static final long serialVersionUID = 1L;

    public PayloadTooLargeException(String message) {
        super(message);
    }

    public PayloadTooLargeException(String message, Throwable cause) {
        super(message, cause);
    }
}
