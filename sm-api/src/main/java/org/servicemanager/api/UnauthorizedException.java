package org.servicemanager.api;

/** Credentials are missing or wrong (HTTP 401). */
public class UnauthorizedException extends ServiceManagerException {
    private static final long serialVersionUID = 1L;

    public UnauthorizedException(String message) {
        super(message);
    }

    public UnauthorizedException(String message, Throwable cause) {
        super(message, cause);
    }
}
