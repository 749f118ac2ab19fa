package org.servicemanager.core.internal.http;

import java.util.concurrent.CompletableFuture;
import org.servicemanager.core.SmResponse;

/** Serves one route. Handlers that wait for a broker return an incomplete future instead of blocking. */
@FunctionalInterface
public interface Handler {
    CompletableFuture<SmResponse> handle(Call call);

    /** Adapts a synchronous handler; its exceptions propagate directly and are mapped by the caller. */
    static Handler sync(SyncHandler handler) {
        return call -> CompletableFuture.completedFuture(handler.handle(call));
    }

    /** A handler that answers at once. */
    @FunctionalInterface
    interface SyncHandler {
        SmResponse handle(Call call);
    }
}
