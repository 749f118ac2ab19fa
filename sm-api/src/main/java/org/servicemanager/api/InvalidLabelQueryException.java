package org.servicemanager.api;

/** A {@code labelQuery} cannot be parsed or uses an operator labels do not support (HTTP 400). */
public class InvalidLabelQueryException extends BadRequestException {
    private static final long serialVersionUID = 1L;

    public InvalidLabelQueryException(String message) {
        super(message);
    }

    public InvalidLabelQueryException(String message, Throwable cause) {
        super(message, cause);
    }
}
