package org.servicemanager.it;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.servicemanager.api.security.VerifiedToken;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.security.TokenIssuer;

/**
 * A token issuer that only reports what reached it: its answer names the method, path and
 * correlation id it saw, and it writes one audit line per request through its context. Verifies
 * the fixed tokens of {@link TestTokens}. Thread-safe.
 */
final class TestIssuer implements TokenIssuer {
    static final String URL = "http://127.0.0.1/oauth";
    private final TestTokens tokens = new TestTokens();
    final AtomicReference<Context> context = new AtomicReference<>();
    final AtomicBoolean closed = new AtomicBoolean();

    @Override
    public String pathPrefix() {
        return "/oauth";
    }

    @Override
    public void start(Context context) {
        this.context.set(context);
    }

    @Override
    public SmResponse handle(SmRequest request) {
        context.get().audit(request, "some-user", "token_request", "issued");
        String body = "{\"method\":\"" + request.method() + "\",\"path\":\"" + request.path()
                + "\",\"correlation\":\"" + request.header("X-Correlation-ID").orElse("") + "\"}";
        return SmResponse.builder(200).header("Content-Type", "application/json")
                .body(body.getBytes(StandardCharsets.UTF_8)).build();
    }

    @Override
    public VerifiedToken verify(String token) {
        return tokens.verify(token);
    }

    @Override
    public String issuerUrl() {
        return URL;
    }

    @Override
    public void close() {
        closed.set(true);
    }
}
