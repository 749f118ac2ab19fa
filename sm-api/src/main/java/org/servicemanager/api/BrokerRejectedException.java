package org.servicemanager.api;

/**
 * A service broker refused a request the Service Manager made as a platform (it answered 4xx):
 * HTTP 400 with error {@code BrokerError}, carrying the broker's own description. A broker that
 * fails (5xx, garbage, unreachable) is a {@link BrokerException} (502) instead.
 */
public class BrokerRejectedException extends BrokerException {
    private static final long serialVersionUID = 1L;
    private final int brokerStatus;

    public BrokerRejectedException(int brokerStatus, String message) {
        super(message);
        this.brokerStatus = brokerStatus;
    }

    /** The status the broker answered with (400 to 499). */
    public int brokerStatus() {
        return brokerStatus;
    }
}
