package org.servicemanager.api;

/**
 * The Service Manager cannot serve the request now because it is overloaded, and the client should
 * retry after {@link #retryAfterSeconds()} (HTTP 503 with {@code Retry-After}). Never a verdict on
 * the request itself: an overloaded password check, for one, is not a wrong password.
 */
public class ServiceUnavailableException extends RetryLaterException {
    private static final long serialVersionUID = 1L;

    /**
     * @throws IllegalArgumentException when {@code retryAfterSeconds} is not positive
     */
    public ServiceUnavailableException(String message, int retryAfterSeconds) {
        super(message, retryAfterSeconds);
    }
}
