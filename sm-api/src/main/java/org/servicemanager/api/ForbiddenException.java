package org.servicemanager.api;

/** The caller is known but may not do this (HTTP 403). */
public class ForbiddenException extends ServiceManagerException {
    private static final long serialVersionUID = 1L;

    public ForbiddenException(String message) {
        super(message);
    }

    public ForbiddenException(String message, Throwable cause) {
        super(message, cause);
    }
}
