package org.servicemanager.test.store;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.servicemanager.api.model.BrokerCredentials;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
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

/**
 * Builds valid, not yet stored entities (version 0, random UUID ids, no labels) with sensible
 * defaults, for store tests and any other test that needs a model object.
 *
 * <p>Timestamps come from a clock this object owns: every entity built gets the current time, and
 * the clock then moves on by the step (one millisecond unless set), so entities built one after
 * the other are in creation order. A step of zero gives equal timestamps. Times are truncated to
 * microseconds, the precision every store (PostgreSQL included) keeps. Thread-safe.
 */
public final class Fixtures {
    /** Where the clock of {@link #Fixtures()} starts. */
    public static final Instant DEFAULT_START = Instant.parse("2025-01-01T00:00:00Z");

    private Instant now;
    private Duration step;

    /** Starts the clock at {@link #DEFAULT_START}, stepping one millisecond per entity. */
    public Fixtures() {
        this(DEFAULT_START, Duration.ofMillis(1));
    }

    public Fixtures(Instant start, Duration step) {
        setTime(start);
        setStep(step);
    }

    /** Sets the time the next entity gets. */
    public synchronized Fixtures setTime(Instant time) {
        this.now = Objects.requireNonNull(time, "time").truncatedTo(ChronoUnit.MICROS);
        return this;
    }

    /** Sets how far the clock moves after each entity; zero stops it. */
    public synchronized Fixtures setStep(Duration newStep) {
        if (newStep.isNegative()) {
            throw new IllegalArgumentException("step must not be negative, was " + newStep);
        }
        this.step = newStep;
        return this;
    }

    /** The time the next entity gets. */
    public synchronized Instant now() {
        return now;
    }

    /** Returns the current time and moves the clock on by the step. */
    public synchronized Instant tick() {
        Instant current = now;
        now = now.plus(step).truncatedTo(ChronoUnit.MICROS);
        return current;
    }

    public static String newId() {
        return UUID.randomUUID().toString();
    }

    /** A platform of type {@code kubernetes} with a random name. */
    public Platform platform() {
        return platform("platform-" + shortId());
    }

    public Platform platform(String name) {
        Instant at = tick();
        String id = newId();
        return new Platform(id, name, "kubernetes", "the " + name + " platform",
                new PlatformCredentials("user-" + id, "{hash}" + id), null, Labels.empty(), at, at, true, 0);
    }

    /** A broker with a random name and Basic credentials. */
    public ServiceBroker broker() {
        return broker("broker-" + shortId());
    }

    public ServiceBroker broker(String name) {
        Instant at = tick();
        return new ServiceBroker(newId(), name, "the " + name + " broker", "https://" + name + ".example.com",
                new BrokerCredentials("admin", "secret", null, null, null), Labels.empty(), at, at, true, 0);
    }

    /** A bindable offering of the broker {@code brokerId}, with a random catalog id. */
    public ServiceOffering offering(String brokerId) {
        return offering(brokerId, newId());
    }

    public ServiceOffering offering(String brokerId, String catalogId) {
        Instant at = tick();
        String name = "offering-" + shortId();
        return new ServiceOffering(newId(), name, "the " + name + " offering", true, false, false, false, false,
                List.of(), List.of(), null, catalogId, name, brokerId, "{}", Labels.empty(), at, at, true, 0);
    }

    /** A free plan of the offering {@code offeringId}, with a random catalog id. */
    public ServicePlan plan(String offeringId) {
        return plan(offeringId, newId());
    }

    public ServicePlan plan(String offeringId, String catalogId) {
        String name = "plan-" + shortId();
        return plan(offeringId, catalogId, name, "the " + name + " plan", true, null, null);
    }

    /** A plan with the given values of its queryable fields, for tests of queries. */
    public ServicePlan plan(String offeringId, String catalogId, String name, String description, boolean free,
            Boolean bindable, Integer maximumPollingDuration) {
        Instant at = tick();
        return new ServicePlan(newId(), name, description, catalogId, name, free, bindable, null,
                maximumPollingDuration, null, null, null, offeringId, "{}", Labels.empty(), at, at, true, 0);
    }

    /** Makes the plan {@code planId} visible on {@code platformId}, or on every platform if it is null. */
    public Visibility visibility(String platformId, String planId) {
        return visibility(platformId, planId, Labels.empty());
    }

    public Visibility visibility(String platformId, String planId, Labels labels) {
        Instant at = tick();
        return new Visibility(newId(), platformId, planId, labels, at, at, true, 0);
    }

    /** A ready, usable instance of the plan {@code planId} owned by {@code platformId}, with a random name. */
    public ServiceInstance instance(String planId, String platformId) {
        Instant at = tick();
        return new ServiceInstance(newId(), "instance-" + shortId(), planId, platformId,
                "{\"platform\":\"kubernetes\"}", null, null, true, LastOperation.succeeded(OperationType.CREATE), null, null,
                Labels.empty(), at, at, true, 0);
    }

    /** A ready binding of the instance {@code instanceId} made by {@code platformId}, with a random name. */
    public ServiceBinding binding(String instanceId, String platformId) {
        Instant at = tick();
        return new ServiceBinding(newId(), "binding-" + shortId(), instanceId, platformId,
                "{\"platform\":\"kubernetes\"}", null, null, LastOperation.succeeded(OperationType.CREATE), Labels.empty(),
                at, at, true, 0);
    }

    /**
     * A create of the service instance {@code resourceId} through the REST API, in progress at step
     * {@link Operation.Step#CALL}, due at its creation time and held by no node.
     */
    public Operation operation(String resourceId) {
        Instant at = tick();
        return new Operation(newId(), OperationType.CREATE, OperationState.IN_PROGRESS, resourceId,
                Operation.SERVICE_INSTANCES, Platform.SERVICE_MANAGER_ID, newId(), null, List.of(), null, null, null,
                Operation.Step.CALL, at, null, Instant.EPOCH, null, null, 0, null, Labels.empty(), at, at, true, 0);
    }

    /**
     * An active RS256 signing key with a random id. The key texts only look like JWKs: a store
     * keeps them as opaque text. The sealed private key is as long as a sealed RSA-2048 JWK
     * (about 2.4 KB), so stores that cut or pad long text fail.
     */
    public SigningKey signingKey() {
        Instant at = tick();
        String kid = newId();
        String publicJwk = "{\"kty\":\"RSA\",\"kid\":\"" + kid + "\",\"use\":\"sig\",\"alg\":\"RS256\","
                + "\"n\":\"" + "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP".repeat(5)
                + "\",\"e\":\"AQAB\"}";
        String sealed = "v1:" + Base64.getEncoder().encodeToString(
                ("sealed private key of " + kid + " ").repeat(50).getBytes(StandardCharsets.UTF_8));
        return new SigningKey(kid, "RS256", publicJwk, sealed, null, Labels.empty(), at, at, true, 0);
    }

    /** A copy of {@code operation} due at {@code nextAttemptAt} ({@code null}: no work left), leased until {@code leaseUntil}. */
    public static Operation scheduled(Operation operation, Instant nextAttemptAt, Instant leaseUntil) {
        return operation.withStep(operation.step(), nextAttemptAt, operation.attempts(), operation.updatedAt())
                .withLease(leaseUntil.equals(Instant.EPOCH) ? null : "node-" + shortId(), leaseUntil);
    }

    /** A copy of {@code entity} with other labels; everything else, the version too, stays. */
    @SuppressWarnings("unchecked")
    public static <T extends Entity> T withLabels(T entity, Labels labels) {
        Entity copy;
        if (entity instanceof Platform p) {
            copy = new Platform(p.id(), p.name(), p.type(), p.description(), p.credentials(),
                    p.previousCredentials(), labels, p.createdAt(), p.updatedAt(), p.ready(), p.version());
        } else if (entity instanceof ServiceBroker b) {
            copy = new ServiceBroker(b.id(), b.name(), b.description(), b.brokerUrl(), b.credentials(), labels,
                    b.createdAt(), b.updatedAt(), b.ready(), b.version());
        } else if (entity instanceof ServiceOffering o) {
            copy = o.withLabels(labels, o.updatedAt());
        } else if (entity instanceof ServicePlan p) {
            copy = p.withLabels(labels, p.updatedAt());
        } else if (entity instanceof Visibility v) {
            copy = new Visibility(v.id(), v.platformId(), v.servicePlanId(), labels, v.createdAt(), v.updatedAt(),
                    v.ready(), v.version());
        } else if (entity instanceof ServiceInstance i) {
            copy = new ServiceInstance(i.id(), i.name(), i.servicePlanId(), i.platformId(), i.context(),
                    i.dashboardUrl(), i.maintenanceInfo(), i.usable(), i.lastOperation(), i.pendingPlanId(), i.pendingContext(), labels,
                    i.createdAt(), i.updatedAt(), i.ready(), i.version());
        } else if (entity instanceof ServiceBinding b) {
            copy = new ServiceBinding(b.id(), b.name(), b.serviceInstanceId(), b.platformId(), b.context(),
                    b.bindResource(), b.credentials(), b.lastOperation(), labels, b.createdAt(), b.updatedAt(), b.ready(), b.version());
        } else if (entity instanceof SigningKey k) {
            copy = new SigningKey(k.id(), k.algorithm(), k.publicJwk(), k.sealedPrivateJwk(), k.retiredAt(), labels,
                    k.createdAt(), k.updatedAt(), k.ready(), k.version());
        } else if (entity instanceof Operation o) {
            copy = new Operation(o.id(), o.type(), o.state(), o.resourceId(), o.resourceType(), o.platformId(),
                    o.correlationId(), o.description(), o.errors(), o.deletionScheduled(), o.parentId(),
                    o.cascadeRootId(), o.step(), o.nextAttemptAt(), o.leaseOwner(), o.leaseUntil(),
                    o.brokerOperation(), o.pollUntil(), o.attempts(), o.details(), labels, o.createdAt(),
                    o.updatedAt(), o.ready(), o.version());
        } else {
            throw new IllegalArgumentException("no fixture for " + entity.getClass().getName());
        }
        return (T) copy;
    }

    /** A copy of {@code platform} under another name. */
    public static Platform renamed(Platform platform, String name) {
        return new Platform(platform.id(), name, platform.type(), platform.description(), platform.credentials(),
                platform.previousCredentials(), platform.labels(), platform.createdAt(), platform.updatedAt(),
                platform.ready(), platform.version());
    }

    /** A copy of {@code broker} under another name. */
    public static ServiceBroker renamed(ServiceBroker broker, String name) {
        return new ServiceBroker(broker.id(), name, broker.description(), broker.brokerUrl(), broker.credentials(),
                broker.labels(), broker.createdAt(), broker.updatedAt(), broker.ready(), broker.version());
    }

    /** A copy of {@code platform} with another id and creation time, for tests of the list order. */
    public static Platform withIdAndTime(Platform platform, String id, Instant createdAt) {
        return new Platform(id, platform.name(), platform.type(), platform.description(), platform.credentials(),
                platform.previousCredentials(), platform.labels(), createdAt, createdAt, platform.ready(),
                platform.version());
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
