package org.servicemanager.api;

/**
 * A refusal the client should retry after {@link #retryAfterSeconds()} (answered with a
 * {@code Retry-After} header): the common part of {@link TooManyRequestsException} (429) and
 * {@link ServiceUnavailableException} (503). Immutable.
 */
public abstract class RetryLaterException extends ServiceManagerException {
    private static final long serialVersionUID = 1L;
    private final int retryAfterSeconds;

    /**
     * @throws IllegalArgumentException when {@code retryAfterSeconds} is not positive
     */
    protected RetryLaterException(String message, int retryAfterSeconds) {
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
