package org.servicemanager.api;

/**
 * The client went over a limit (say, of failed logins) and should retry after
 * {@link #retryAfterSeconds()} (HTTP 429 with {@code Retry-After}). The message names the limit.
 */
public class TooManyRequestsException extends RetryLaterException {
    private static final long serialVersionUID = 1L;

    /**
     * @throws IllegalArgumentException when {@code retryAfterSeconds} is not positive
     */
    public TooManyRequestsException(String message, int retryAfterSeconds) {
        super(message, retryAfterSeconds);
    }
}
