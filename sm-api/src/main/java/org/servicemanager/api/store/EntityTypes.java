package org.servicemanager.api.store;

import static org.servicemanager.api.store.Reference.OnDelete.CASCADE;
import static org.servicemanager.api.store.Reference.OnDelete.RESTRICT;

import java.util.List;
import java.util.Optional;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.model.SigningKey;
import org.servicemanager.api.model.Visibility;
import org.servicemanager.api.query.FieldType;

/**
 * The resource types the Service Manager stores, with the constraints every store enforces:
 * <ul>
 *   <li>platform and broker names are unique; a broker's offerings are unique by catalog id,
 *       an offering's plans likewise; one visibility per (platform, plan), a missing platform
 *       counting as one value;</li>
 *   <li>deleting a broker deletes its offerings, their plans and the plans' visibilities;
 *       deleting a platform deletes its visibilities;</li>
 *   <li>a service instance blocks the deletion of its plan (and so of the plan's broker) and of its
 *       platform; deleting an instance deletes its bindings;</li>
 *   <li>operations and signing keys refer to nothing: operations outlive their resources.</li>
 * </ul>
 */
public final class EntityTypes {
    private EntityTypes() {
    }

    public static final EntityType<Platform> PLATFORMS = EntityType
            .builder("platforms", "platform", Platform.class, Platform::withVersion)
            .field("name", FieldType.STRING, Platform::name)
            .field("type", FieldType.STRING, Platform::type)
            .field("description", FieldType.STRING, Platform::description)
            .internalField("username", FieldType.STRING, p -> p.credentials().username())
            .internalField("previous_username", FieldType.STRING,
                    p -> p.previousCredentials() == null ? null : p.previousCredentials().username())
            .unique("name")
            .build();

    public static final EntityType<ServiceBroker> SERVICE_BROKERS = EntityType
            .builder("service_brokers", "service broker", ServiceBroker.class, ServiceBroker::withVersion)
            .field("name", FieldType.STRING, ServiceBroker::name)
            .field("description", FieldType.STRING, ServiceBroker::description)
            .field("broker_url", FieldType.STRING, ServiceBroker::brokerUrl)
            .unique("name")
            .build();

    public static final EntityType<ServiceOffering> SERVICE_OFFERINGS = EntityType
            .builder("service_offerings", "service offering", ServiceOffering.class, ServiceOffering::withVersion)
            .field("name", FieldType.STRING, ServiceOffering::name)
            .field("description", FieldType.STRING, ServiceOffering::description)
            .field("bindable", FieldType.BOOLEAN, ServiceOffering::bindable)
            .field("instances_retrievable", FieldType.BOOLEAN, ServiceOffering::instancesRetrievable)
            .field("bindings_retrievable", FieldType.BOOLEAN, ServiceOffering::bindingsRetrievable)
            .field("plan_updateable", FieldType.BOOLEAN, ServiceOffering::planUpdateable)
            .field("allow_context_updates", FieldType.BOOLEAN, ServiceOffering::allowContextUpdates)
            .field("catalog_id", FieldType.STRING, ServiceOffering::catalogId)
            .field("catalog_name", FieldType.STRING, ServiceOffering::catalogName)
            .field("broker_id", FieldType.STRING, ServiceOffering::brokerId)
            .unique("broker_id", "catalog_id")
            .reference("broker_id", "service_brokers", CASCADE)
            .build();

    public static final EntityType<ServicePlan> SERVICE_PLANS = EntityType
            .builder("service_plans", "service plan", ServicePlan.class, ServicePlan::withVersion)
            .field("name", FieldType.STRING, ServicePlan::name)
            .field("description", FieldType.STRING, ServicePlan::description)
            .field("catalog_id", FieldType.STRING, ServicePlan::catalogId)
            .field("catalog_name", FieldType.STRING, ServicePlan::catalogName)
            .field("free", FieldType.BOOLEAN, ServicePlan::free)
            .field("bindable", FieldType.BOOLEAN, ServicePlan::bindable)
            .field("plan_updateable", FieldType.BOOLEAN, ServicePlan::planUpdateable)
            .field("maximum_polling_duration", FieldType.INTEGER, ServicePlan::maximumPollingDuration)
            .field("service_offering_id", FieldType.STRING, ServicePlan::serviceOfferingId)
            .unique("service_offering_id", "catalog_id")
            .reference("service_offering_id", "service_offerings", CASCADE)
            .build();

    public static final EntityType<Visibility> VISIBILITIES = EntityType
            .builder("visibilities", "visibility", Visibility.class, Visibility::withVersion)
            .field("platform_id", FieldType.STRING, Visibility::platformId)
            .field("service_plan_id", FieldType.STRING, Visibility::servicePlanId)
            .unique("platform_id", "service_plan_id")
            .reference("platform_id", "platforms", CASCADE)
            .reference("service_plan_id", "service_plans", CASCADE)
            .build();

    public static final EntityType<ServiceInstance> SERVICE_INSTANCES = EntityType
            .builder("service_instances", "service instance", ServiceInstance.class, ServiceInstance::withVersion)
            .field("name", FieldType.STRING, ServiceInstance::name)
            .field("service_plan_id", FieldType.STRING, ServiceInstance::servicePlanId)
            .field("platform_id", FieldType.STRING, ServiceInstance::platformId)
            .field("dashboard_url", FieldType.STRING, ServiceInstance::dashboardUrl)
            .field("usable", FieldType.BOOLEAN, ServiceInstance::usable)
            .field("shared", FieldType.BOOLEAN, ServiceInstance::shared)
            .field("referenced_instance_id", FieldType.STRING, ServiceInstance::referencedInstanceId)
            .reference("service_plan_id", "service_plans", RESTRICT)
            .reference("platform_id", "platforms", RESTRICT)
            .build();

    public static final EntityType<ServiceBinding> SERVICE_BINDINGS = EntityType
            .builder("service_bindings", "service binding", ServiceBinding.class, ServiceBinding::withVersion)
            .field("name", FieldType.STRING, ServiceBinding::name)
            .field("service_instance_id", FieldType.STRING, ServiceBinding::serviceInstanceId)
            .field("platform_id", FieldType.STRING, ServiceBinding::platformId)
            .reference("service_instance_id", "service_instances", CASCADE)
            .reference("platform_id", "platforms", RESTRICT)
            .build();

    /**
     * Operations refer to their resource, parent and cascade root by id only: an operation outlives
     * the resource it deleted (and a failed create's), until the retention removes it. {@code type}
     * and {@code state} hold the wire forms ({@code create}, {@code in progress}), so that queries
     * read as clients write them. The scheduling fields are internal: the scheduler queries them.
     */
    public static final EntityType<Operation> OPERATIONS = EntityType
            .builder("operations", "operation", Operation.class, Operation::withVersion)
            .field("type", FieldType.STRING, o -> Operation.wire(o.type()))
            .field("state", FieldType.STRING, o -> Operation.wire(o.state()))
            .field("resource_id", FieldType.STRING, Operation::resourceId)
            .field("resource_type", FieldType.STRING, Operation::resourceType)
            .field("platform_id", FieldType.STRING, Operation::platformId)
            .field("correlation_id", FieldType.STRING, Operation::correlationId)
            .field("parent_id", FieldType.STRING, Operation::parentId)
            .field("cascade_root_id", FieldType.STRING, Operation::cascadeRootId)
            .field("deletion_scheduled", FieldType.DATETIME, Operation::deletionScheduled)
            .internalField("step", FieldType.STRING, o -> o.step().name())
            .internalField("next_attempt_at", FieldType.DATETIME, Operation::nextAttemptAt)
            .internalField("lease_owner", FieldType.STRING, Operation::leaseOwner)
            .internalField("lease_until", FieldType.DATETIME, Operation::leaseUntil)
            .build();

    /**
     * The built-in token issuer's signing keys (internal: no REST resource). {@code retired_at} is
     * queried to find the key that signs; the private key is stored sealed.
     */
    public static final EntityType<SigningKey> SIGNING_KEYS = EntityType
            .builder("signing_keys", "signing key", SigningKey.class, SigningKey::withVersion)
            .field("algorithm", FieldType.STRING, SigningKey::algorithm)
            .internalField("retired_at", FieldType.DATETIME, SigningKey::retiredAt)
            .build();

    /**
     * Every type, parents before the types that refer to them. Signing keys are stored like the
     * others, but no REST route, notification or change revision covers them: those name their types.
     */
    public static final List<EntityType<?>> ALL = List.of(PLATFORMS, SERVICE_BROKERS, SERVICE_OFFERINGS,
            SERVICE_PLANS, VISIBILITIES, SERVICE_INSTANCES, SERVICE_BINDINGS, OPERATIONS, SIGNING_KEYS);

    /**
     * The registry: the types whose changes can change what a platform's OSB catalog shows, and so
     * grow {@link Store#changeRevision()}.
     */
    public static final List<EntityType<?>> REGISTRY = List.of(PLATFORMS, SERVICE_BROKERS, SERVICE_OFFERINGS,
            SERVICE_PLANS, VISIBILITIES);

    /** The type with this resource name. */
    public static Optional<EntityType<?>> byName(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
