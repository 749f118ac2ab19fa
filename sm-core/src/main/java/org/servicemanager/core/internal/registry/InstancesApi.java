package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.core.internal.json.EntityJson;

/**
 * {@code /v1/service_instances} and {@code /v1/service_bindings}: what platforms created through
 * the OSB face, readable by administrators. Binding credentials are never stored, so never shown.
 */
final class InstancesApi {
    private InstancesApi() {
    }

    /** {@code /v1/service_instances}. */
    static final class Instances extends ResourceApi<ServiceInstance> {
        Instances(Context ctx) {
            super(ctx, EntityTypes.SERVICE_INSTANCES);
        }

        @Override
        ObjectNode toJson(ServiceInstance instance) {
            return EntityJson.instance(instance);
        }
    }

    /** {@code /v1/service_bindings}. */
    static final class Bindings extends ResourceApi<ServiceBinding> {
        Bindings(Context ctx) {
            super(ctx, EntityTypes.SERVICE_BINDINGS);
        }

        @Override
        ObjectNode toJson(ServiceBinding binding) {
            return EntityJson.binding(binding);
        }
    }
}
