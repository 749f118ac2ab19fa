package org.servicemanager.core.internal.notify;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Notification;
import org.servicemanager.api.model.NotificationType;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.model.ServiceOffering;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.model.Visibility;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.NotificationLog;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.internal.json.EntityJson;
import org.servicemanager.core.internal.json.Json;

/**
 * What one transaction changed of brokers and visibilities, as pairs of states: the state before
 * the transaction first touched an entity (read just before that write, in the transaction), and
 * the state at its end (read when it is about to commit). The notifications come from comparing
 * the two, not from the writes: a write that failed, or was undone by a nested transaction, or
 * changed nothing, leaves equal states and so no notification; several writes to one entity make
 * one notification. A broker's state includes its offerings and plans (the {@code services} the
 * proxies need), so a catalog refresh that adds or removes plans shows in the broker's change.
 *
 * <p>Writes to offerings and plans that only update them (a label PATCH) make no notification of
 * their own: their previous state is kept in case the broker's state is taken later in the same
 * transaction, which then describes the broker as it was before the transaction.
 *
 * <p>Used by one transaction's work, which runs on one thread: not thread-safe.
 */
final class Changes {
    private static final String BROKERS = NotifyingStore.BROKERS;
    private static final String VISIBILITIES = NotifyingStore.VISIBILITIES;

    /** Broker id to its state before the transaction touched it; {@code null} when it did not exist. */
    private final Map<String, State> brokers = new LinkedHashMap<>();
    /** Visibility id to its state before the transaction touched it; {@code null} when it did not exist. */
    private final Map<String, State> visibilities = new LinkedHashMap<>();
    /** Offerings and plans updated before their broker was touched, as they were before. */
    private final Map<String, ServiceOffering> offeringsBefore = new HashMap<>();
    private final Map<String, ServicePlan> plansBefore = new HashMap<>();
    /** An offering never moves to another broker, so this is read once per offering. */
    private final Map<String, String> brokerOfOffering = new HashMap<>();
    /**
     * The catalog as broker snapshots read it before the transaction changed it, to describe the
     * visibilities that vanish with it without reading each plan, offering and broker again.
     */
    private final Map<String, ServicePlan> plansSeen = new HashMap<>();
    private final Map<String, ServiceOffering> offeringsSeen = new HashMap<>();
    private final Map<String, ServiceBroker> brokersSeen = new HashMap<>();

    /**
     * One side of a change: the payload part {@code {"resource": ..., "additional": ...}}, the
     * labels (for {@code label_changes}) and the platform it concerns.
     */
    private record State(ObjectNode payload, Labels labels, String platformId) {
    }

    // ---- brokers and their catalog --------------------------------------------------------------

    /** Before a broker is created, updated or deleted. */
    void touchBroker(Store tx, String brokerId) {
        if (brokerId == null || brokers.containsKey(brokerId)) {
            return;
        }
        Catalog before = readBroker(tx, brokerId, true);
        if (before != null) {
            brokersSeen.put(brokerId, before.broker());
            before.offerings().forEach(o -> offeringsSeen.put(o.id(), o));
            before.plans().forEach(p -> plansSeen.put(p.id(), p));
        }
        brokers.put(brokerId, before == null ? null : brokerState(before));
    }

    /** Before a broker is deleted: its visibilities go with it. */
    void beforeBrokerDelete(Store tx, String brokerId) {
        touchBroker(tx, brokerId);
        Catalog now = readBroker(tx, brokerId, false);
        if (now != null) {
            beforePlansDelete(tx, now.plans().stream().map(ServicePlan::id).toList());
        }
    }

    void beforeOfferingCreate(Store tx, ServiceOffering offering) {
        touchBroker(tx, offering.brokerId());
    }

    void beforeOfferingUpdate(Store tx, ServiceOffering offering) {
        if (!brokers.containsKey(offering.brokerId()) && !offeringsBefore.containsKey(offering.id())) {
            tx.repository(EntityTypes.SERVICE_OFFERINGS).get(offering.id())
                    .ifPresent(o -> offeringsBefore.put(o.id(), o));
        }
    }

    void beforeOfferingDelete(Store tx, String offeringId) {
        Optional<ServiceOffering> offering = tx.repository(EntityTypes.SERVICE_OFFERINGS).get(offeringId);
        if (offering.isEmpty()) {
            return;
        }
        touchBroker(tx, offering.get().brokerId());
        beforePlansDelete(tx, tx.repository(EntityTypes.SERVICE_PLANS)
                .list(Query.fieldEquals("service_offering_id", offeringId), PageRequest.unbounded()).items()
                .stream().map(ServicePlan::id).toList());
    }

    void beforePlanCreate(Store tx, ServicePlan plan) {
        touchBroker(tx, brokerOf(tx, plan.serviceOfferingId()));
    }

    void beforePlanUpdate(Store tx, ServicePlan plan) {
        String brokerId = brokerOf(tx, plan.serviceOfferingId());
        if (!brokers.containsKey(brokerId) && !plansBefore.containsKey(plan.id())) {
            tx.repository(EntityTypes.SERVICE_PLANS).get(plan.id()).ifPresent(p -> plansBefore.put(p.id(), p));
        }
    }

    void beforePlanDelete(Store tx, String planId) {
        Optional<ServicePlan> plan = tx.repository(EntityTypes.SERVICE_PLANS).get(planId);
        if (plan.isEmpty()) {
            return;
        }
        touchBroker(tx, brokerOf(tx, plan.get().serviceOfferingId()));
        beforePlansDelete(tx, List.of(planId));
    }

    private String brokerOf(Store tx, String offeringId) {
        String known = brokerOfOffering.get(offeringId);
        if (known != null) {
            return known;
        }
        String brokerId = tx.repository(EntityTypes.SERVICE_OFFERINGS).get(offeringId)
                .map(ServiceOffering::brokerId).orElse(null);
        if (brokerId != null) {
            brokerOfOffering.put(offeringId, brokerId);
        }
        return brokerId;
    }

    /** The plans' visibilities are deleted with them. */
    private void beforePlansDelete(Store tx, List<String> planIds) {
        if (planIds.isEmpty()) {
            return;
        }
        tx.repository(EntityTypes.VISIBILITIES)
                .list(Query.of(new Criterion.FieldCriterion("service_plan_id", Operator.IN, List.copyOf(planIds))),
                        PageRequest.unbounded())
                .items().forEach(v -> touchVisibility(tx, v));
    }

    // ---- platforms and visibilities -------------------------------------------------------------

    /** Before platforms are deleted: their visibilities go with them. */
    void beforePlatformsDelete(Store tx, Collection<String> platformIds) {
        if (platformIds.isEmpty()) {
            return;
        }
        tx.repository(EntityTypes.VISIBILITIES)
                .list(Query.of(new Criterion.FieldCriterion("platform_id", Operator.IN, List.copyOf(platformIds))),
                        PageRequest.unbounded())
                .items().forEach(v -> touchVisibility(tx, v));
    }

    /** Before a visibility is created, updated or deleted. */
    void touchVisibility(Store tx, String visibilityId) {
        if (!visibilities.containsKey(visibilityId)) {
            Visibility current = tx.repository(EntityTypes.VISIBILITIES).get(visibilityId).orElse(null);
            visibilities.put(visibilityId, current == null ? null : visibilityState(tx, current, true));
        }
    }

    /** Before a visibility read just now is deleted. */
    void touchVisibility(Store tx, Visibility current) {
        if (!visibilities.containsKey(current.id())) {
            visibilities.put(current.id(), visibilityState(tx, current, true));
        }
    }

    // ---- the notifications ----------------------------------------------------------------------

    /**
     * Appends the notifications of this transaction: first the visibilities that went (so a proxy
     * withdraws access before the plan or broker goes), then the brokers, then the visibilities
     * that came or changed (so a proxy knows the plan before it grants access to it). Each group
     * in the order the transaction first touched its entities.
     */
    /** Appends the transaction's notifications; returns whether there were any. */
    boolean publish(Store tx, Instant now, String correlationId) {
        if (brokers.isEmpty() && visibilities.isEmpty()) {
            return false;
        }
        List<Notification> gone = new ArrayList<>();
        List<Notification> brokerChanges = new ArrayList<>();
        List<Notification> came = new ArrayList<>();
        visibilities.forEach((id, before) -> {
            State after = tx.repository(EntityTypes.VISIBILITIES).get(id)
                    .map(v -> visibilityState(tx, v, false)).orElse(null);
            compare(VISIBILITIES, before, after, now, correlationId, gone, came, came);
        });
        brokers.forEach((id, before) -> {
            Catalog catalog = readBroker(tx, id, false);
            State after = catalog == null ? null : brokerState(catalog);
            compare(BROKERS, before, after, now, correlationId, brokerChanges, brokerChanges, brokerChanges);
        });
        NotificationLog log = tx.notifications();
        gone.forEach(log::append);
        brokerChanges.forEach(log::append);
        came.forEach(log::append);
        return !(gone.isEmpty() && brokerChanges.isEmpty() && came.isEmpty());
    }

    private static void compare(String resource, State before, State after, Instant now, String correlationId,
            List<Notification> deleted, List<Notification> created, List<Notification> modified) {
        if (before == null && after == null) {
            return;
        }
        if (before == null) {
            created.add(notification(resource, NotificationType.CREATED, after.platformId(),
                    payload(null, after, null), now, correlationId));
        } else if (after == null) {
            deleted.add(notification(resource, NotificationType.DELETED, before.platformId(),
                    payload(before, null, null), now, correlationId));
        } else if (before.payload().equals(after.payload())) {
            return;
        } else if (!Objects.equals(before.platformId(), after.platformId())) {
            // A visibility moved to another platform: that platform gains it, the old one loses it.
            deleted.add(notification(resource, NotificationType.DELETED, before.platformId(),
                    payload(before, null, null), now, correlationId));
            created.add(notification(resource, NotificationType.CREATED, after.platformId(),
                    payload(null, after, null), now, correlationId));
        } else {
            modified.add(notification(resource, NotificationType.MODIFIED, after.platformId(),
                    payload(before, after, labelChanges(before.labels(), after.labels())), now, correlationId));
        }
    }

    private static Notification notification(String resource, NotificationType type, String platformId,
            ObjectNode payload, Instant now, String correlationId) {
        return new Notification(UUID.randomUUID().toString(), resource, type, platformId, 0, Json.text(payload),
                correlationId, now);
    }

    private static ObjectNode payload(State before, State after, ArrayNode labelChanges) {
        ObjectNode payload = Json.object();
        if (after != null) {
            payload.set("new", after.payload());
        }
        if (before != null) {
            payload.set("old", before.payload());
        }
        if (labelChanges != null && !labelChanges.isEmpty()) {
            payload.set("label_changes", labelChanges);
        }
        return payload;
    }

    /**
     * The label operations that turn {@code before} into {@code after}, in the form of a label
     * PATCH: a new key is {@code add}ed, a vanished key {@code remove}d with the values it had,
     * and a key that stays gets {@code add_values} and {@code remove_values} for what changed.
     * Derived from the states rather than taken from the request, so it is right whatever wrote
     * the labels, and after retries of a concurrent PATCH.
     */
    static ArrayNode labelChanges(Labels before, Labels after) {
        ArrayNode changes = Json.mapper().createArrayNode();
        Set<String> keys = new TreeSet<>(before.keys());
        keys.addAll(after.keys());
        for (String key : keys) {
            List<String> old = before.get(key);
            List<String> now = after.get(key);
            if (old.isEmpty()) {
                addChange(changes, "add", key, now);
            } else if (now.isEmpty()) {
                addChange(changes, "remove", key, old);
            } else {
                Set<String> added = new LinkedHashSet<>(now);
                old.forEach(added::remove);
                Set<String> removed = new LinkedHashSet<>(old);
                now.forEach(removed::remove);
                addChange(changes, "add_values", key, added);
                addChange(changes, "remove_values", key, removed);
            }
        }
        return changes;
    }

    private static void addChange(ArrayNode changes, String op, String key, Collection<String> values) {
        if (values.isEmpty()) {
            return;
        }
        ObjectNode change = changes.addObject().put("op", op).put("key", key);
        ArrayNode array = change.putArray("values");
        values.forEach(array::add);
    }

    // ---- states ---------------------------------------------------------------------------------

    /** A broker with its offerings and plans, in the store's order. */
    private record Catalog(ServiceBroker broker, List<ServiceOffering> offerings, List<ServicePlan> plans) {
    }

    /**
     * Reads a broker and its catalog in the transaction; with {@code asBefore}, offerings and plans
     * that the transaction updated before are shown as they were.
     */
    private Catalog readBroker(Store tx, String brokerId, boolean asBefore) {
        Optional<ServiceBroker> broker = tx.repository(EntityTypes.SERVICE_BROKERS).get(brokerId);
        if (broker.isEmpty()) {
            return null;
        }
        List<ServiceOffering> offerings = new ArrayList<>();
        for (ServiceOffering o : tx.repository(EntityTypes.SERVICE_OFFERINGS)
                .list(Query.fieldEquals("broker_id", brokerId), PageRequest.unbounded()).items()) {
            brokerOfOffering.put(o.id(), brokerId);
            offerings.add(asBefore ? offeringsBefore.getOrDefault(o.id(), o) : o);
        }
        List<ServicePlan> plans = new ArrayList<>();
        if (!offerings.isEmpty()) {
            List<Object> offeringIds = new ArrayList<>();
            offerings.forEach(o -> offeringIds.add(o.id()));
            for (ServicePlan p : tx.repository(EntityTypes.SERVICE_PLANS)
                    .list(Query.of(new Criterion.FieldCriterion("service_offering_id", Operator.IN, offeringIds)),
                            PageRequest.unbounded()).items()) {
                plans.add(asBefore ? plansBefore.getOrDefault(p.id(), p) : p);
            }
        }
        return new Catalog(broker.get(), offerings, plans);
    }

    /**
     * The broker as the REST API shows it (never its credentials), with {@code services}: each
     * offering with its {@code plans}.
     */
    private static State brokerState(Catalog catalog) {
        Map<String, List<ServicePlan>> plansByOffering = new HashMap<>();
        catalog.plans().forEach(p -> plansByOffering.computeIfAbsent(p.serviceOfferingId(), k -> new ArrayList<>())
                .add(p));
        ObjectNode side = Json.object();
        side.set("resource", EntityJson.broker(catalog.broker()));
        ArrayNode services = side.putObject("additional").putArray("services");
        for (ServiceOffering offering : catalog.offerings()) {
            ObjectNode service = EntityJson.offering(offering);
            ArrayNode plans = service.putArray("plans");
            plansByOffering.getOrDefault(offering.id(), List.of()).forEach(p -> plans.add(EntityJson.plan(p)));
            services.add(service);
        }
        return new State(side, catalog.broker().labels(), null);
    }

    /**
     * The visibility as the REST API shows it, with its plan and the plan's broker. With
     * {@code before}, the catalog as the transaction found it where a broker snapshot read it.
     */
    private State visibilityState(Store tx, Visibility visibility, boolean before) {
        ServicePlan plan = before ? plansSeen.get(visibility.servicePlanId()) : null;
        if (plan == null) {
            plan = tx.repository(EntityTypes.SERVICE_PLANS).get(visibility.servicePlanId()).orElse(null);
        }
        ServiceOffering offering = null;
        if (plan != null) {
            offering = before ? offeringsSeen.get(plan.serviceOfferingId()) : null;
            if (offering == null) {
                offering = tx.repository(EntityTypes.SERVICE_OFFERINGS).get(plan.serviceOfferingId()).orElse(null);
            }
        }
        ServiceBroker broker = null;
        if (offering != null) {
            broker = before ? brokersSeen.get(offering.brokerId()) : null;
            if (broker == null) {
                broker = tx.repository(EntityTypes.SERVICE_BROKERS).get(offering.brokerId()).orElse(null);
            }
        }
        ObjectNode side = Json.object();
        side.set("resource", EntityJson.visibility(visibility));
        ObjectNode additional = side.putObject("additional");
        additional.put("broker_id", broker == null ? null : broker.id());
        additional.put("broker_name", broker == null ? null : broker.name());
        if (plan == null) {
            additional.putNull("service_plan");
        } else {
            additional.set("service_plan", EntityJson.plan(plan));
        }
        return new State(side, visibility.labels(), visibility.platformId());
    }
}
