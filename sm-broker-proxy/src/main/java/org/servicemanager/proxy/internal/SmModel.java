package org.servicemanager.proxy.internal;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.servicemanager.proxy.PlanAccess;

/**
 * What the Service Manager says this platform should have: the brokers it may see with their
 * plans' catalog ids, and the visibilities for it (or for every platform). Filled by a full read,
 * then kept current by notifications; applying a change twice leaves it as applying it once, which
 * is what makes a replayed notification harmless.
 *
 * <p>Not thread-safe: only the proxy's engine thread touches it.
 */
public final class SmModel {

    /** A broker with its plans: Service Manager plan id to catalog id. */
    public record Broker(String id, String name, Map<String, String> plans) {
        public Broker {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            plans = Map.copyOf(plans);
        }
    }

    /** A visibility: which plan, for which platform (null: all), with which labels. */
    public record Visibility(String id, String planId, String platformId, Map<String, List<String>> labels) {
        public Visibility {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(planId, "planId");
            labels = Map.copyOf(labels);
        }
    }

    /** What the platform should have for one broker. */
    public record Desired(String brokerId, String brokerName, Map<String, PlanAccess> accessByCatalogId) {
    }

    private final Map<String, Broker> brokers = new LinkedHashMap<>();
    private final Map<String, Visibility> visibilities = new LinkedHashMap<>();

    /** Replaces everything with a full read. Visibilities of plans not among the brokers are dropped. */
    public void replace(List<Broker> newBrokers, List<Visibility> newVisibilities) {
        brokers.clear();
        visibilities.clear();
        newBrokers.forEach(b -> brokers.put(b.id(), b));
        Set<String> plans = new HashSet<>();
        brokers.values().forEach(b -> plans.addAll(b.plans().keySet()));
        newVisibilities.stream().filter(v -> plans.contains(v.planId())).forEach(v -> visibilities.put(v.id(), v));
    }

    /** Adds or replaces a broker (created, renamed, catalog refreshed). */
    public void putBroker(Broker broker) {
        brokers.put(broker.id(), broker);
    }

    /** Removes a broker and the visibilities of its plans. */
    public void removeBroker(String brokerId) {
        Broker gone = brokers.remove(brokerId);
        if (gone != null) {
            visibilities.values().removeIf(v -> gone.plans().containsKey(v.planId()));
        }
    }

    /**
     * Adds or replaces a visibility, making sure its broker and plan are known: a broker the last
     * full read did not show (none of its plans was visible then) becomes known through the
     * visibility's notification, which names the broker and the plan. The notification's broker
     * name is the current one, so it replaces the model's: a platform that saw none of a broker's
     * plans while it was renamed got no notice of the rename. A broker that the change leaves
     * without any visibility (the visibility moved to another broker's plan) is dropped, as after
     * {@link #removeVisibility}.
     */
    public void putVisibility(Visibility visibility, String brokerId, String brokerName, String planCatalogId) {
        Broker broker = brokers.get(brokerId);
        if (broker == null) {
            brokers.put(brokerId, new Broker(brokerId, brokerName, Map.of(visibility.planId(), planCatalogId)));
        } else if (!planCatalogId.equals(broker.plans().get(visibility.planId())) || !brokerName.equals(broker.name())) {
            Map<String, String> plans = new HashMap<>(broker.plans());
            plans.put(visibility.planId(), planCatalogId);
            brokers.put(brokerId, new Broker(brokerId, brokerName, plans));
        }
        Visibility old = visibilities.put(visibility.id(), visibility);
        if (old != null) {
            brokerOfPlan(old.planId()).ifPresent(this::dropIfUnseen);
        }
    }

    /**
     * Removes a visibility; nothing happens if it is gone. Its broker goes too when no visibility
     * is left for it: a full read would not show it (the platform sees only brokers with a plan
     * visible to it), its registration is removed anyway, and what the model knew of it may be
     * stale by the time a visibility shows it again (no broker notification told of a rename
     * meanwhile), which {@link #putVisibility} then learns afresh.
     */
    public void removeVisibility(String visibilityId) {
        Visibility gone = visibilities.remove(visibilityId);
        if (gone != null) {
            brokerOfPlan(gone.planId()).ifPresent(this::dropIfUnseen);
        }
    }

    private void dropIfUnseen(String brokerId) {
        Broker broker = brokers.get(brokerId);
        if (broker != null && visibilities.values().stream().noneMatch(v -> broker.plans().containsKey(v.planId()))) {
            brokers.remove(brokerId);
        }
    }

    public Optional<Visibility> visibility(String id) {
        return Optional.ofNullable(visibilities.get(id));
    }

    /** The broker owning a Service Manager plan, if known. */
    public Optional<String> brokerOfPlan(String planId) {
        return brokers.values().stream().filter(b -> b.plans().containsKey(planId)).map(Broker::id).findFirst();
    }

    public Set<String> brokerIds() {
        return Set.copyOf(brokers.keySet());
    }

    /**
     * What the platform should have for a broker: empty when it should not be registered (unknown,
     * or none of its plans is open to anyone here). Plans without access are absent from the map.
     */
    public Optional<Desired> desired(String brokerId, String scopeLabelKey) {
        Broker broker = brokers.get(brokerId);
        if (broker == null) {
            return Optional.empty();
        }
        Map<String, PlanAccess> access = new LinkedHashMap<>();
        for (Visibility v : visibilities.values()) {
            String catalogId = broker.plans().get(v.planId());
            if (catalogId != null) {
                access.merge(catalogId, accessOf(v, scopeLabelKey), PlanAccess::union);
            }
        }
        return desired(broker, access);
    }

    /**
     * {@link #desired} of every known broker, in one pass over the visibilities: a full reconcile
     * asks for all of them, and asking one by one would read every visibility once per broker.
     * Brokers that should not be registered are absent.
     */
    public Map<String, Desired> desiredAll(String scopeLabelKey) {
        Map<String, Broker> brokerOfPlan = new HashMap<>();
        brokers.values().forEach(b -> b.plans().keySet().forEach(planId -> brokerOfPlan.put(planId, b)));
        Map<Broker, Map<String, PlanAccess>> access = new LinkedHashMap<>();
        for (Visibility v : visibilities.values()) {
            Broker broker = brokerOfPlan.get(v.planId());
            if (broker != null) {
                access.computeIfAbsent(broker, b -> new LinkedHashMap<>())
                        .merge(broker.plans().get(v.planId()), accessOf(v, scopeLabelKey), PlanAccess::union);
            }
        }
        Map<String, Desired> all = new HashMap<>();
        access.forEach((broker, plans) -> desired(broker, plans).ifPresent(d -> all.put(broker.id(), d)));
        return all;
    }

    private static Optional<Desired> desired(Broker broker, Map<String, PlanAccess> access) {
        access.values().removeIf(a -> a.kind() == PlanAccess.Kind.NONE);
        return access.isEmpty() ? Optional.empty() : Optional.of(new Desired(broker.id(), broker.name(), access));
    }

    /**
     * A visibility without the platform's scope label opens the plan to everyone; one with the
     * scope label opens it to those scopes only. This holds for visibilities of every platform
     * ({@code platform_id} null) too, as the Service Manager's OSB face scopes a Cloud Foundry call by
     * the labels of any visibility: opening the plan wider would show it to orgs whose provisions
     * the Service Manager then refuses.
     */
    static PlanAccess accessOf(Visibility v, String scopeLabelKey) {
        if (scopeLabelKey == null) {
            return PlanAccess.everyone();
        }
        List<String> scopes = v.labels().get(scopeLabelKey);
        return scopes == null || scopes.isEmpty() ? PlanAccess.everyone() : PlanAccess.scoped(Set.copyOf(scopes));
    }
}
