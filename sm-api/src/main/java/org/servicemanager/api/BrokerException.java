package org.servicemanager.api;

/** A service broker answered with an error or with something that is not valid OSB (HTTP 502). */
public class BrokerException extends ServiceManagerException {
    private static final long serialVersionUID = 1L;

    public BrokerException(String message) {
        super(message);
    }

    public BrokerException(String message, Throwable cause) {
        super(message, cause);
    }
}
