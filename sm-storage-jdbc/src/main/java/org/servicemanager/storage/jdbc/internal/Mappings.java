package org.servicemanager.storage.jdbc.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.servicemanager.api.model.BrokerCredentials;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationError;
import org.servicemanager.api.model.OperationState;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.PlatformCredentials;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.model.SigningKey;
import org.servicemanager.api.model.Visibility;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;

/**
 * The table mapping of every type of {@link EntityTypes#ALL}. The column names here must match the
 * schema scripts. Immutable and thread-safe.
 */
final class Mappings {
    private Mappings() {
    }

    static final TableMapping<Platform> PLATFORMS = TableMapping.of(EntityTypes.PLATFORMS)
            .column("password_hash", Kind.STRING, p -> p.credentials().passwordHash())
            .column("previous_password_hash", Kind.STRING,
                    p -> p.previousCredentials() == null ? null : p.previousCredentials().passwordHash())
            .read((r, labels) -> {
                String previousUser = r.string("previous_username");
                return new Platform(r.string("id"), r.string("name"), r.string("type"), r.string("description"),
                        new PlatformCredentials(r.string("username"), r.string("password_hash")),
                        previousUser == null ? null
                                : new PlatformCredentials(previousUser, r.string("previous_password_hash")),
                        labels, r.instant("created_at"), r.instant("updated_at"), r.bool("ready"),
                        r.longValue("version"));
            });

    static final TableMapping<ServiceBroker> SERVICE_BROKERS = TableMapping.of(EntityTypes.SERVICE_BROKERS)
            .column("basic_username", Kind.STRING, b -> b.credentials().basicUsername())
            .column("basic_password", Kind.STRING, b -> b.credentials().basicPassword())
            .column("token", Kind.STRING, b -> b.credentials().token())
            .column("tls_client_certificate", Kind.STRING, b -> b.credentials().tlsClientCertificate())
            .column("tls_client_key", Kind.STRING, b -> b.credentials().tlsClientKey())
            .read((r, labels) -> new ServiceBroker(r.string("id"), r.string("name"), r.string("description"),
                    r.string("broker_url"),
                    new BrokerCredentials(r.string("basic_username"), r.string("basic_password"), r.string("token"),
                            r.string("tls_client_certificate"), r.string("tls_client_key")),
                    labels, r.instant("created_at"), r.instant("updated_at"), r.bool("ready"),
                    r.longValue("version")));

    static final TableMapping<ServiceOffering> SERVICE_OFFERINGS = TableMapping.of(EntityTypes.SERVICE_OFFERINGS)
            .column("tags", Kind.STRING_LIST, ServiceOffering::tags)
            .column("requires", Kind.STRING_LIST, ServiceOffering::requires)
            .column("metadata", Kind.STRING, ServiceOffering::metadata)
            .column("catalog_json", Kind.STRING, ServiceOffering::catalogJson)
            .read((r, labels) -> new ServiceOffering(r.string("id"), r.string("name"), r.string("description"),
                    r.bool("bindable"), r.bool("instances_retrievable"), r.bool("bindings_retrievable"),
                    r.bool("plan_updateable"), r.bool("allow_context_updates"), r.strings("tags"),
                    r.strings("requires"), r.string("metadata"), r.string("catalog_id"), r.string("catalog_name"),
                    r.string("broker_id"), r.string("catalog_json"), labels, r.instant("created_at"),
                    r.instant("updated_at"), r.bool("ready"), r.longValue("version")));

    static final TableMapping<ServicePlan> SERVICE_PLANS = TableMapping.of(EntityTypes.SERVICE_PLANS)
            .column("maintenance_info", Kind.STRING, ServicePlan::maintenanceInfo)
            .column("metadata", Kind.STRING, ServicePlan::metadata)
            .column("schemas", Kind.STRING, ServicePlan::schemas)
            .column("catalog_json", Kind.STRING, ServicePlan::catalogJson)
            .read((r, labels) -> new ServicePlan(r.string("id"), r.string("name"), r.string("description"),
                    r.string("catalog_id"), r.string("catalog_name"), r.bool("free"), r.boolOrNull("bindable"),
                    r.boolOrNull("plan_updateable"), r.intOrNull("maximum_polling_duration"),
                    r.string("maintenance_info"), r.string("metadata"), r.string("schemas"),
                    r.string("service_offering_id"), r.string("catalog_json"), labels, r.instant("created_at"),
                    r.instant("updated_at"), r.bool("ready"), r.longValue("version")));

    static final TableMapping<Visibility> VISIBILITIES = TableMapping.of(EntityTypes.VISIBILITIES)
            .read((r, labels) -> new Visibility(r.string("id"), r.string("platform_id"), r.string("service_plan_id"),
                    labels, r.instant("created_at"), r.instant("updated_at"), r.bool("ready"),
                    r.longValue("version")));

    static final TableMapping<ServiceInstance> SERVICE_INSTANCES = lastOperation(
            TableMapping.of(EntityTypes.SERVICE_INSTANCES), ServiceInstance::lastOperation)
            .column("context", Kind.STRING, ServiceInstance::context)
            .column("pending_plan_id", Kind.STRING, ServiceInstance::pendingPlanId)
            .column("pending_context", Kind.STRING, ServiceInstance::pendingContext)
            .column("maintenance_info", Kind.STRING, ServiceInstance::maintenanceInfo)
            .read((r, labels) -> new ServiceInstance(r.string("id"), r.string("name"), r.string("service_plan_id"),
                    r.string("platform_id"), r.string("context"), r.string("dashboard_url"),
                    r.string("maintenance_info"), r.bool("usable"),
                    lastOperation(r), r.string("pending_plan_id"), r.string("pending_context"), labels,
                    r.instant("created_at"), r.instant("updated_at"), r.bool("ready"), r.longValue("version"),
                    r.bool("shared"), r.string("referenced_instance_id")));

    static final TableMapping<ServiceBinding> SERVICE_BINDINGS = lastOperation(
            TableMapping.of(EntityTypes.SERVICE_BINDINGS), ServiceBinding::lastOperation)
            .column("context", Kind.STRING, ServiceBinding::context)
            .column("bind_resource", Kind.STRING, ServiceBinding::bindResource)
            .column("credentials", Kind.STRING, ServiceBinding::credentials)
            .read((r, labels) -> new ServiceBinding(r.string("id"), r.string("name"),
                    r.string("service_instance_id"), r.string("platform_id"), r.string("context"),
                    r.string("bind_resource"), r.string("credentials"), lastOperation(r), labels, r.instant("created_at"),
                    r.instant("updated_at"), r.bool("ready"), r.longValue("version")));

    /**
     * The fields come from the type (type and state in their wire forms, step as its name); errors
     * are a JSON array of {@code {"error", "description"}} objects, so a list of any length is one
     * column and comes back in its order.
     */
    static final TableMapping<Operation> OPERATIONS = TableMapping.of(EntityTypes.OPERATIONS)
            .column("description", Kind.STRING, Operation::description)
            .column("errors", Kind.STRING, o -> encodeErrors(o.errors()))
            .column("broker_operation", Kind.STRING, Operation::brokerOperation)
            .column("poll_until", Kind.TIMESTAMP, Operation::pollUntil)
            .column("attempts", Kind.LONG, Operation::attempts)
            .column("details", Kind.STRING, Operation::details)
            .read((r, labels) -> new Operation(r.string("id"), Operation.typeOf(r.string("type")),
                    Operation.stateOf(r.string("state")), r.string("resource_id"), r.string("resource_type"),
                    r.string("platform_id"), r.string("correlation_id"), r.string("description"),
                    decodeErrors(r.string("errors")), r.instant("deletion_scheduled"), r.string("parent_id"),
                    r.string("cascade_root_id"), Operation.Step.valueOf(r.string("step")),
                    r.instant("next_attempt_at"), r.string("lease_owner"), r.instant("lease_until"),
                    r.string("broker_operation"), r.instant("poll_until"), Math.toIntExact(r.longValue("attempts")),
                    r.string("details"), labels, r.instant("created_at"), r.instant("updated_at"), r.bool("ready"),
                    r.longValue("version")));

    /**
     * algorithm and retired_at come from the type; the keys are stored as the issuer hands them
     * over (the private one already sealed, so this table never holds it in clear).
     */
    static final TableMapping<SigningKey> SIGNING_KEYS = TableMapping.of(EntityTypes.SIGNING_KEYS)
            .column("public_jwk", Kind.STRING, SigningKey::publicJwk)
            .column("sealed_private_jwk", Kind.STRING, SigningKey::sealedPrivateJwk)
            .read((r, labels) -> new SigningKey(r.string("id"), r.string("algorithm"), r.string("public_jwk"),
                    r.string("sealed_private_jwk"), r.instant("retired_at"), labels, r.instant("created_at"),
                    r.instant("updated_at"), r.bool("ready"), r.longValue("version")));

    /** Every mapping, parents before the types that refer to them, like {@link EntityTypes#ALL}. */
    static final List<TableMapping<?>> ALL = List.of(PLATFORMS, SERVICE_BROKERS, SERVICE_OFFERINGS, SERVICE_PLANS,
            VISIBILITIES, SERVICE_INSTANCES, SERVICE_BINDINGS, OPERATIONS, SIGNING_KEYS);

    @SuppressWarnings("unchecked")
    static <T extends org.servicemanager.api.model.Entity> Optional<TableMapping<T>> of(EntityType<T> type) {
        for (TableMapping<?> mapping : ALL) {
            if (mapping.type() == type) {
                return Optional.of((TableMapping<T>) mapping);
            }
        }
        return Optional.empty();
    }

    static Optional<TableMapping<?>> byName(String typeName) {
        return ALL.stream().filter(m -> m.table().equals(typeName)).findFirst();
    }

    private static <T extends org.servicemanager.api.model.Entity> TableMapping.Builder<T> lastOperation(
            TableMapping.Builder<T> builder, java.util.function.Function<T, LastOperation> getter) {
        return builder
                .column("last_operation_type", Kind.STRING, e -> getter.apply(e).type().name())
                .column("last_operation_state", Kind.STRING, e -> getter.apply(e).state().name())
                .column("last_operation_broker_operation", Kind.STRING, e -> getter.apply(e).brokerOperation())
                .column("last_operation_description", Kind.STRING, e -> getter.apply(e).description())
                .column("last_operation_id", Kind.STRING, e -> getter.apply(e).operationId());
    }

    private static LastOperation lastOperation(Row r) {
        return new LastOperation(r.enumOrNull(OperationType.class, "last_operation_type"),
                r.enumOrNull(OperationState.class, "last_operation_state"),
                r.string("last_operation_broker_operation"), r.string("last_operation_description"),
                r.string("last_operation_id"));
    }

    private static String encodeErrors(List<OperationError> errors) {
        List<Map<String, String>> objects = new ArrayList<>(errors.size());
        for (OperationError error : errors) {
            Map<String, String> object = new LinkedHashMap<>();
            object.put("error", error.error());
            object.put("description", error.description());
            objects.add(object);
        }
        return JsonStrings.encodeObjects(objects);
    }

    private static List<OperationError> decodeErrors(String json) {
        List<OperationError> errors = new ArrayList<>();
        for (Map<String, String> object : JsonStrings.decodeObjects(json)) {
            errors.add(new OperationError(object.get("error"), object.get("description")));
        }
        return errors;
    }
}
