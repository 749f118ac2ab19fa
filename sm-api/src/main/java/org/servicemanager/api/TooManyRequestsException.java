package org.servicemanager.api;

/**
 * The client went over a limit (say, of failed logins) and should retry after
 * {@link #retryAfterSeconds()} (HTTP 429 with {@code Retry-After}). The message names the limit.
 */
public class TooManyRequestsException extends ServiceManagerException {
    private static final long serialVersionUID = 1L;
    private final int retryAfterSeconds;

    /**
     * @throws IllegalArgumentException when {@code retryAfterSeconds} is not positive
     */
    public TooManyRequestsException(String message, int retryAfterSeconds) {
        super(message);
        if (retryAfterSeconds < 1) {
            throw new IllegalArgumentException("retryAfterSeconds must be positive, was " + retryAfterSeconds);
        }
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** How many seconds the client should wait before it retries. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
