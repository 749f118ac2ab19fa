package org.servicemanager.api;

/** A required request precondition is missing, such as the OSB {@code X-Broker-API-Version} header (HTTP 412). */
public class PreconditionFailedException extends ServiceManagerException {
    private static final long serialVersionUID = 1L;

    public PreconditionFailedException(String message) {
        super(message);
    }
}
