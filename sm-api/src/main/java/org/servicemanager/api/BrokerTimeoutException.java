package org.servicemanager.api;

/** A service broker did not answer in time (HTTP 504). */
public class BrokerTimeoutException extends BrokerException {
    private static final long serialVersionUID = 1L;

    public BrokerTimeoutException(String message) {
        super(message);
    }

    public BrokerTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
