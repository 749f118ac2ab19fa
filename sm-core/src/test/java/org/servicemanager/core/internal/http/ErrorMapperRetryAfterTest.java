package org.servicemanager.core.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.RetryLaterException;
import org.servicemanager.api.ServiceUnavailableException;
import org.servicemanager.api.TooManyRequestsException;
import org.servicemanager.core.SmResponse;

@DisplayName("answers that say when to retry")
class ErrorMapperRetryAfterTest {

    @Test
    @DisplayName("429 and 503 are both RetryLaterExceptions and carry Retry-After with their seconds")
    void bothCarryRetryAfter() {
        RetryLaterException tooMany = new TooManyRequestsException("slow down", 7);
        RetryLaterException unavailable = new ServiceUnavailableException("busy", 2);

        SmResponse first = ErrorMapper.toResponse(tooMany, "GET /v1/platforms");
        SmResponse second = ErrorMapper.toResponse(unavailable, "GET /v1/platforms");

        assertThat(first.status()).isEqualTo(429);
        assertThat(first.headers().get("Retry-After")).containsExactly("7");
        assertThat(second.status()).isEqualTo(503);
        assertThat(second.headers().get("Retry-After")).containsExactly("2");
    }

    @Test
    @DisplayName("a wait that is not positive is refused, naming the value")
    void positiveWait() {
        assertThatThrownBy(() -> new TooManyRequestsException("x", 0))
                .hasMessage("retryAfterSeconds must be positive, was 0");
    }
}
