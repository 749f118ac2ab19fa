package org.servicemanager.proxy;

/**
 * A platform refused a change or could not be reached. The proxy logs it and tries again at its
 * next reconcile; the message says what was asked and what the platform answered.
 */
public class PlatformException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PlatformException(String message) {
        super(message);
    }

    public PlatformException(String message, Throwable cause) {
        super(message, cause);
    }
}
