package org.servicemanager.api;

/** The request body is not {@code application/json} (HTTP 415). */
public class UnsupportedMediaTypeException extends ServiceManagerException {
    private static final long serialVersionUID = 1L;

    public UnsupportedMediaTypeException(String message) {
        super(message);
    }

    public UnsupportedMediaTypeException(String message, Throwable cause) {
        super(message, cause);
    }
}
