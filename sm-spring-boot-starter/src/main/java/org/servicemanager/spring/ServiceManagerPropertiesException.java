package org.servicemanager.spring;

/**
 * A {@code servicemanager.*} property is missing or wrong; the message names it (never its value,
 * which may be a secret). {@link ServiceManagerFailureAnalyzer} turns it into Spring Boot's
 * "APPLICATION FAILED TO START" report. Immutable, thread-safe.
 */
final class ServiceManagerPropertiesException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    ServiceManagerPropertiesException(String message) {
        super(message);
    }

    ServiceManagerPropertiesException(String message, Throwable cause) {
        super(message, cause);
    }
}
