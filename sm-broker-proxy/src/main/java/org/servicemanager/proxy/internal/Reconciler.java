package org.servicemanager.proxy.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.servicemanager.proxy.BrokerRegistration;
import org.servicemanager.proxy.PlanAccess;
import org.servicemanager.proxy.Platform;
import org.servicemanager.proxy.PlatformBroker;
import org.servicemanager.proxy.PlatformException;
import org.servicemanager.proxy.PlatformPlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the platform match the model, for every broker or for some: registers, renames, refreshes
 * and removes the brokers with the prefix, and sets plan access where it differs. It only asks the
 * platform, never the Service Manager. A platform failure for one broker does not stop the others;
 * the caller learns how many failed and retries later.
 *
 * <p>Not thread-safe: only the proxy's engine thread uses it.
 */
public final class Reconciler {
    private static final Logger LOG = LoggerFactory.getLogger("org.servicemanager.proxy");

    private final Platform platform;
    private final String prefix;
    private final String osbBase;
    private final String username;
    private final String password;
    private final String scopeLabelKey;

    /**
     * @param osbBase the Service Manager's OSB URL without the broker id, e.g. {@code http://sm/v1/osb/}
     */
    public Reconciler(Platform platform, String prefix, String osbBase, String username, String password) {
        this.platform = Objects.requireNonNull(platform, "platform");
        this.prefix = prefix;
        this.osbBase = osbBase;
        this.username = username;
        this.password = password;
        this.scopeLabelKey = platform.scopeLabelKey();
    }

    /**
     * Reconciles every broker: the model's and every prefixed one of the platform. Stale
     * registrations go first, so that a name they hold is free for the broker that should have it.
     * Returns the failures.
     */
    public int reconcileAll(SmModel model, String correlationId) {
        List<PlatformBroker> owned = owned();
        Set<String> known = model.brokerIds();
        Map<String, SmModel.Desired> desired = model.desiredAll(scopeLabelKey);
        Set<String> ids = new LinkedHashSet<>(known);
        owned.stream().map(this::smBrokerId).filter(Objects::nonNull).forEach(ids::add);
        Set<String> used = new HashSet<>();
        Map<String, PlatformBroker> matches = new HashMap<>();
        for (String id : ids) {
            PlatformBroker existing = match(id, Optional.ofNullable(desired.get(id)), known, owned, used);
            if (existing != null) {
                matches.put(id, existing);
            }
        }
        int failures = 0;
        for (PlatformBroker stale : owned) {
            if (!used.contains(stale.id())) {
                failures += delete(stale, correlationId);
            }
        }
        // Removals before registrations and renames, for the same reason.
        List<String> order = new ArrayList<>(ids);
        order.sort(Comparator.comparing(desired::containsKey));
        for (String id : order) {
            failures += reconcileOne(id, Optional.ofNullable(desired.get(id)), matches.get(id), correlationId);
        }
        return failures;
    }

    /** Reconciles only these brokers (after a notification). Returns the failures. */
    public int reconcile(SmModel model, Collection<String> brokerIds, String correlationId) {
        if (brokerIds.isEmpty()) {
            return 0;
        }
        List<PlatformBroker> owned;
        try {
            owned = owned();
        } catch (PlatformException e) {
            LOG.warn("Cannot list the platform's brokers (correlation_id={}): {}", correlationId, e.getMessage());
            return brokerIds.size();
        }
        int failures = 0;
        Set<String> used = new HashSet<>();
        Set<String> known = model.brokerIds();
        for (String id : brokerIds) {
            Optional<SmModel.Desired> desired = model.desired(id, scopeLabelKey);
            failures += reconcileOne(id, desired, match(id, desired, known, owned, used), correlationId);
        }
        return failures;
    }

    /**
     * The platform's registration of a Service Manager broker: by URL first (the broker id survives
     * a rename); by name only for a registration that no other Service Manager broker claims by URL,
     * e.g. one whose URL was changed by hand. Marks it used.
     */
    private PlatformBroker match(String brokerId, Optional<SmModel.Desired> desired, Set<String> desiredIds,
            List<PlatformBroker> owned, Set<String> used) {
        String name = desired.map(d -> prefix + d.brokerName()).orElse(null);
        PlatformBroker existing = owned.stream().filter(pb -> !used.contains(pb.id()))
                .filter(pb -> brokerId.equals(smBrokerId(pb))).findFirst()
                .orElseGet(() -> name == null ? null : owned.stream().filter(pb -> !used.contains(pb.id()))
                        .filter(pb -> pb.name().equals(name))
                        .filter(pb -> smBrokerId(pb) == null || !desiredIds.contains(smBrokerId(pb)))
                        .findFirst().orElse(null));
        if (existing != null) {
            used.add(existing.id());
        }
        return existing;
    }

    private int reconcileOne(String brokerId, Optional<SmModel.Desired> desired, PlatformBroker existing,
            String correlationId) {
        try {
            if (desired.isEmpty()) {
                return existing == null ? 0 : delete(existing, correlationId);
            }
            apply(desired.get(), prefix + desired.get().brokerName(), existing, correlationId);
            return 0;
        } catch (PlatformException e) {
            LOG.warn("Platform change for SM broker {} failed (correlation_id={}): {}", brokerId, correlationId,
                    e.getMessage());
            return 1;
        }
    }

    private void apply(SmModel.Desired desired, String name, PlatformBroker existing, String correlationId) {
        BrokerRegistration registration = new BrokerRegistration(name, osbBase + desired.brokerId(), username,
                password);
        PlatformBroker broker;
        List<PlatformPlan> plans;
        if (existing == null) {
            broker = platform.createBroker(registration);
            LOG.info("Registered broker {} at {} for SM broker {} (correlation_id={})", name, registration.url(),
                    desired.brokerId(), correlationId);
            plans = platform.plans(broker.id());
        } else {
            broker = existing;
            plans = platform.plans(broker.id());
            Set<String> known = plans.stream().map(PlatformPlan::catalogPlanId).collect(Collectors.toSet());
            List<String> unknown = desired.accessByCatalogId().keySet().stream().filter(id -> !known.contains(id))
                    .toList();
            boolean renamed = !existing.name().equals(name) || !existing.url().equals(registration.url());
            if (renamed || !unknown.isEmpty()) {
                broker = platform.updateBroker(existing.id(), registration);
                LOG.info("Updated broker {} (was {} at {}) for SM broker {}{} (correlation_id={})", name,
                        existing.name(), existing.url(), desired.brokerId(),
                        unknown.isEmpty() ? "" : ", catalog refreshed for plans " + unknown, correlationId);
                plans = platform.plans(broker.id());
            }
        }
        List<String> stillUnknown = new ArrayList<>(desired.accessByCatalogId().keySet());
        for (PlatformPlan plan : plans) {
            stillUnknown.remove(plan.catalogPlanId());
            PlanAccess want = desired.accessByCatalogId().getOrDefault(plan.catalogPlanId(), PlanAccess.none());
            if (!want.equals(plan.access())) {
                platform.setAccess(broker.id(), plan.catalogPlanId(), want);
                LOG.info("Set access of plan {} of broker {} to {} (was {}) (correlation_id={})",
                        plan.catalogPlanId(), name, describe(want), describe(plan.access()), correlationId);
            }
        }
        if (!stillUnknown.isEmpty()) {
            // The platform's catalog fetch did not show them (the SM's catalog lags, or the plan is
            // gone); the next reconcile tries again.
            throw new PlatformException("the platform does not know plans " + stillUnknown + " of broker " + name
                    + " even after a catalog refresh");
        }
    }

    private int delete(PlatformBroker broker, String correlationId) {
        try {
            platform.deleteBroker(broker.id());
            LOG.info("Removed broker {} at {} (correlation_id={})", broker.name(), broker.url(), correlationId);
            return 0;
        } catch (PlatformException e) {
            LOG.warn("Removing broker {} failed (correlation_id={}): {}", broker.name(), correlationId,
                    e.getMessage());
            return 1;
        }
    }

    private List<PlatformBroker> owned() {
        return platform.brokers().stream().filter(b -> b.name().startsWith(prefix)).toList();
    }

    /** The SM broker id in a registration's URL, or null when the URL is not ours. */
    private String smBrokerId(PlatformBroker broker) {
        String url = broker.url();
        if (!url.startsWith(osbBase)) {
            return null;
        }
        String rest = url.substring(osbBase.length());
        while (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        return rest.isEmpty() || rest.contains("/") ? null : rest;
    }

    private static String describe(PlanAccess access) {
        return access.kind() == PlanAccess.Kind.SCOPED ? "scopes " + access.scopes() : access.kind().toString();
    }

}
