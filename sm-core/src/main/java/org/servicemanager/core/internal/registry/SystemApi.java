package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.servicemanager.api.security.BearerTokenVerifier;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.security.Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code /v1/info} and {@code /v1/monitor/health}, open to everyone. */
final class SystemApi {
    private static final Logger LOG = LoggerFactory.getLogger(SystemApi.class);
    private final Context ctx;
    /** {@code null} without bearer tokens. */
    private final BearerTokenVerifier verifier;

    SystemApi(Context ctx, BearerTokenVerifier verifier) {
        this.ctx = ctx;
        this.verifier = verifier;
    }

    /**
     * The version, and where to get tokens when bearer tokens are accepted ({@code token_issuer_url},
     * {@code token_basic_auth}: what smctl's login reads). Query parameters are ignored: smctl sends
     * {@code grant_type=client_credentials} for its client-credentials login.
     */
    SmResponse info(Call call) {
        ObjectNode body = Json.object().put("version", ctx.version());
        if (verifier != null) {
            body.put("token_issuer_url", verifier.issuerUrl());
            body.put("token_basic_auth", verifier.tokenBasicAuth());
        }
        return Responses.json(200, body);
    }

    /** Status for everyone; per-component details for operators of any role (reads show them too). */
    SmResponse health(Call call) {
        boolean storageUp;
        String storageError = null;
        try {
            ctx.store().ping();
            storageUp = true;
        } catch (RuntimeException e) {
            LOG.warn("storage health check failed", e);
            storageUp = false;
            storageError = e.getClass().getSimpleName();
        }
        ObjectNode body = Json.object().put("status", storageUp ? "UP" : "DOWN");
        if (call.principal() instanceof Principal.Operator operator && operator.role() != null) {
            ObjectNode storage = body.putObject("details").putObject("storage");
            storage.put("status", storageUp ? "UP" : "DOWN");
            storage.put("persistent", ctx.store().supportsPersistence());
            if (storageError != null) {
                storage.put("error", storageError);
            }
        }
        return Responses.json(storageUp ? 200 : 503, body);
    }
}
