package org.servicemanager.api;

/** A paging token is malformed or was issued for another resource type (HTTP 400). */
public class InvalidTokenException extends BadRequestException {
    private static final long serialVersionUID = 1L;

    public InvalidTokenException(String message) {
        super(message);
    }

    public InvalidTokenException(String message, Throwable cause) {
        super(message, cause);
    }
}
