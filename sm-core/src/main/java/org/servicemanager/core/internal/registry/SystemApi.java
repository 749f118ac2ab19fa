package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
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

    SystemApi(Context ctx) {
        this.ctx = ctx;
    }

    SmResponse info(Call call) {
        // token_issuer_url and token_basic_auth appear once bearer tokens can be configured.
        return Responses.json(200, Json.object().put("version", ctx.version()));
    }

    /** Status for everyone; per-component details only for administrators. */
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
        if (call.principal() instanceof Principal.Admin) {
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
