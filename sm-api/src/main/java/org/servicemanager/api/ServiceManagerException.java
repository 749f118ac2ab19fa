package org.servicemanager.api;

/**
 * The one unchecked root of every exception the Service Manager raises on purpose. Each subclass
 * stands for one concern and maps to exactly one HTTP status and error code (the mapping lives in
 * one place in {@code sm-core}). The message is meant for the client: it says what was wrong and
 * where, and never carries a secret.
 */
public class ServiceManagerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ServiceManagerException(String message) {
        super(message);
    }

    public ServiceManagerException(String message, Throwable cause) {
        super(message, cause);
    }
}
