package org.servicemanager.api;

/** A {@code fieldQuery} cannot be parsed or names an unknown field or a wrong literal type (HTTP 400). */
public class InvalidFieldQueryException extends BadRequestException {
    private static final long serialVersionUID = 1L;

    public InvalidFieldQueryException(String message) {
        super(message);
    }

    public InvalidFieldQueryException(String message, Throwable cause) {
        super(message, cause);
    }
}
