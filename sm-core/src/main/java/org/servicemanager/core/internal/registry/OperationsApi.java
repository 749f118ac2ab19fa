package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.json.EntityJson;

/**
 * {@code /v1/operations} (administrators; queries and paging like every list) and the operations
 * of one resource, {@code /v1/<type>/{id}/operations/{op_id}}, which stay readable after the
 * resource is gone (that is how a client learns that an asynchronous delete succeeded). Thread-safe.
 */
final class OperationsApi extends ResourceApi<Operation> {
    OperationsApi(Context ctx) {
        super(ctx, EntityTypes.OPERATIONS);
    }

    @Override
    ObjectNode toJson(Operation operation) {
        return EntityJson.operation(operation);
    }

    /** {@code GET /v1/<type>/{id}/operations/{op_id}}: 404 unless the operation is of that resource. */
    SmResponse ofResource(Call call, String resourceType) {
        String resourceId = call.pathParam("id");
        String operationId = call.pathParam("op_id");
        Operation operation = repo().get(operationId)
                .filter(o -> o.resourceType().equals(resourceType) && o.resourceId().equals(resourceId))
                .orElseThrow(() -> new NotFoundException("operation '" + operationId + "' of "
                        + resourceType.substring("/v1/".length()) + " '" + resourceId + "' not found"));
        return Responses.json(200, toJson(operation));
    }

    /**
     * {@code last_operation} of a single GET: the stored operation the resource points at, or the
     * summary the resource keeps when there is none (a record older than stored operations, or one
     * whose operation the retention removed).
     */
    ObjectNode lastOperation(LastOperation summary) {
        if (summary.operationId() != null) {
            var stored = repo().get(summary.operationId());
            if (stored.isPresent()) {
                return toJson(stored.get());
            }
        }
        return EntityJson.lastOperation(summary);
    }
}
