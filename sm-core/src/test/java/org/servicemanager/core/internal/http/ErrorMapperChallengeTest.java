package org.servicemanager.core.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.InvalidBearerTokenException;
import org.servicemanager.api.UnauthorizedException;
import org.servicemanager.core.SmResponse;

@DisplayName("the WWW-Authenticate challenges of a 401")
class ErrorMapperChallengeTest {

    @Test
    @DisplayName("a rejected token's reason cannot break out of the quoted error_description or the header line")
    void reasonMadeSafe() {
        SmResponse response = ErrorMapper.toResponse(
                new InvalidBearerTokenException("bad \"x\\\"\r\nSet-Cookie: a=b\u00e9"), "GET /v1/platforms");

        assertThat(response.headers().get("WWW-Authenticate")).containsExactly("Bearer realm=\"service-manager\", "
                + "error=\"invalid_token\", error_description=\"bad ?x????Set-Cookie: a=b?\"");
    }

    @Test
    @DisplayName("missing credentials where tokens are accepted get a Basic and a Bearer challenge")
    void twoChallenges() {
        SmResponse response = ErrorMapper.toResponse(new MissingCredentialsException(true), "GET /v1/platforms");

        assertThat(response.headers().get("WWW-Authenticate"))
                .containsExactly("Basic realm=\"service-manager\"", "Bearer realm=\"service-manager\"");
    }

    @Test
    @DisplayName("other 401s keep the Basic challenge alone")
    void basicOnly() {
        assertThat(ErrorMapper.toResponse(new MissingCredentialsException(false), "GET /").headers()
                .get("WWW-Authenticate")).containsExactly("Basic realm=\"service-manager\"");
        assertThat(ErrorMapper.toResponse(new UnauthorizedException("wrong"), "GET /").headers()
                .get("WWW-Authenticate")).containsExactly("Basic realm=\"service-manager\"");
    }
}
