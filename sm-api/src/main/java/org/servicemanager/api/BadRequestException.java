package org.servicemanager.api;

/** The request is malformed or breaks a rule of the API (HTTP 400). */
public class BadRequestException extends ServiceManagerException {
    private static final long serialVersionUID = 1L;

    public BadRequestException(String message) {
        super(message);
    }

    public BadRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
