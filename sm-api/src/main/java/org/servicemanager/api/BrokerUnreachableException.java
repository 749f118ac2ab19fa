package org.servicemanager.api;

/** A service broker could not be reached (HTTP 502). */
public class BrokerUnreachableException extends BrokerException {
    private static final long serialVersionUID = 1L;

    private final boolean requestMayHaveArrived;

    /** The connection failed at some point: the broker may have received the request. */
    public BrokerUnreachableException(String message) {
        this(message, true);
    }

    public BrokerUnreachableException(String message, Throwable cause) {
        super(message, cause);
        this.requestMayHaveArrived = true;
    }

    /**
     * @param requestMayHaveArrived false only when no connection was ever made (refused, or the
     *     connect timed out), so the broker certainly did not receive the request
     */
    public BrokerUnreachableException(String message, boolean requestMayHaveArrived) {
        super(message);
        this.requestMayHaveArrived = requestMayHaveArrived;
    }

    /**
     * Whether the broker may have received the request: a create that failed this way may still
     * have created something there, so its record must stay until the broker says otherwise.
     */
    public boolean requestMayHaveArrived() {
        return requestMayHaveArrived;
    }
}
