package org.servicemanager.api;

/** A service broker could not be reached (HTTP 502). */
public class BrokerUnreachableException extends BrokerException {
    private static final long serialVersionUID = 1L;

    public BrokerUnreachableException(String message) {
        super(message);
    }

    public BrokerUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
