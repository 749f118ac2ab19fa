package org.servicemanager.core.internal.tenancy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBroker;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.security.Role;
import org.servicemanager.core.internal.security.Principal;

/**
 * The multitenancy rules, in one place. With a tenant label key configured, a caller's tenant is
 * what its bearer token says ({@link Principal.Operator#tenant()}) or, for a platform, the single
 * value of the key in the platform's labels; everyone else is global. A tenant caller sees and
 * touches only records labelled {@code <key> = <tenant>}, its creates get that label, and it may
 * not change it. Protected labels may be set, changed or removed by global administrators only.
 * Without a key ({@link #OFF}) every caller is global and nothing here refuses anything.
 * Immutable and thread-safe.
 */
public final class Tenancy {
    /** Multitenancy off and no protected labels. */
    public static final Tenancy OFF = new Tenancy(null, Set.of());

    private final String key;
    private final Set<String> protectedLabels;

    private Tenancy(String key, Set<String> protectedLabels) {
        this.key = key;
        this.protectedLabels = Set.copyOf(protectedLabels);
    }

    /**
     * @param key             the tenant label key, {@code null} for no multitenancy
     * @param protectedLabels label keys only global administrators may set, change or remove
     */
    public static Tenancy of(String key, Set<String> protectedLabels) {
        return key == null && protectedLabels.isEmpty() ? OFF : new Tenancy(key, protectedLabels);
    }

    /** Whether a tenant label key is configured. */
    public boolean enabled() {
        return key != null;
    }

    /** The tenant label key; only when {@link #enabled()}. */
    public String key() {
        return Objects.requireNonNull(key, "multitenancy is off");
    }

    public Set<String> protectedLabels() {
        return protectedLabels;
    }

    /** The tenant {@code principal} acts for; empty for a global caller (and always when off). */
    public Optional<String> tenantOf(Principal principal) {
        if (key == null) {
            return Optional.empty();
        }
        if (principal instanceof Principal.Operator operator) {
            return Optional.ofNullable(operator.tenant());
        }
        if (principal instanceof Principal.PlatformCaller caller) {
            return tenantOf(caller.platform().labels());
        }
        return Optional.empty();
    }

    /**
     * The tenant a record belongs to: the value of the key in its labels. The API lets the key have
     * one value only; should a record written around it hold several, the first counts.
     */
    public Optional<String> tenantOf(Labels labels) {
        if (key == null) {
            return Optional.empty();
        }
        List<String> values = labels.get(key);
        return values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** Whether {@code principal} is an administrator of no particular tenant. */
    public boolean isGlobalAdmin(Principal principal) {
        return principal instanceof Principal.Operator operator && operator.has(Role.ADMIN)
                && tenantOf(principal).isEmpty();
    }

    /** The criterion that keeps a tenant's records: its label {@code eq} the tenant. */
    public Query recordsOf(String tenant) {
        return Query.of(new Criterion.LabelCriterion(key(), Operator.EQ, List.of(tenant)));
    }

    /** Whether a record with {@code labels} belongs to {@code tenant}. */
    public boolean belongsTo(Labels labels, String tenant) {
        return labels.get(key()).contains(tenant);
    }

    /** Whether a tenant (empty: global) may use a broker: a global broker, or one of its own. */
    public boolean mayUse(Optional<String> tenant, ServiceBroker broker) {
        if (key == null || tenant.isEmpty()) {
            return true;
        }
        Optional<String> owner = tenantOf(broker.labels());
        return owner.isEmpty() || owner.get().equals(tenant.get());
    }

    /**
     * The labels a create by {@code principal} stores: those given plus, for a tenant caller, the
     * tenant label (400 when the body gives the key another value).
     */
    public Labels forCreate(Principal principal, Labels given) {
        Optional<String> tenant = tenantOf(principal);
        Labels labels = given;
        Labels base = Labels.empty();
        if (tenant.isPresent()) {
            List<String> values = given.get(key);
            if (!values.isEmpty() && !values.equals(List.of(tenant.get()))) {
                throw new BadRequestException("label '" + key + "' is the tenant label and must be '" + tenant.get()
                        + "' (the caller's tenant), was " + values);
            }
            labels = given.with(key, List.of(tenant.get()));
            base = Labels.of(key, tenant.get());
        }
        checkChange(principal, base, labels);
        return labels;
    }

    /**
     * Refuses (400, naming the key) a label change {@code principal} may not make: a tenant's change
     * of the tenant label, a protected label changed by anyone but a global administrator, or a
     * tenant label with several values.
     */
    public void checkChange(Principal principal, Labels before, Labels after) {
        Optional<String> tenant = tenantOf(principal);
        if (key != null) {
            if (tenant.isPresent() && !before.get(key).equals(after.get(key))) {
                throw new BadRequestException("label '" + key + "' is the tenant label; a tenant cannot change or "
                        + "remove it");
            }
            if (after.get(key).size() > 1) {
                throw new BadRequestException("label '" + key + "' is the tenant label and takes exactly one value, "
                        + "was " + after.get(key));
            }
        }
        if (isGlobalAdmin(principal)) {
            return;
        }
        for (String protectedKey : protectedLabels) {
            boolean ownTenantLabel = tenant.isPresent() && protectedKey.equals(key);
            if (!ownTenantLabel && !before.get(protectedKey).equals(after.get(protectedKey))) {
                throw new BadRequestException("label '" + protectedKey + "' is protected: only a global "
                        + "administrator may set, change or remove it");
            }
        }
    }

    /**
     * The labels of an instance a platform creates through the OSB face: the platform's tenant, else
     * {@code context.<key>}; 400 when both are there and differ.
     */
    public Labels forOsbInstance(Platform platform, JsonNode context) {
        if (key == null) {
            return Labels.empty();
        }
        Optional<String> platformTenant = tenantOf(platform.labels());
        JsonNode given = context == null ? null : context.get(key);
        String contextTenant = null;
        if (given != null && !given.isNull()) {
            if (!given.isTextual() || given.asText().isEmpty() || given.asText().length() > 255
                    || given.asText().indexOf('\n') >= 0 || given.asText().indexOf('\r') >= 0) {
                throw new BadRequestException("context." + key + " must be a tenant name: a non-empty string of at "
                        + "most 255 characters without line breaks");
            }
            contextTenant = given.asText();
        }
        if (platformTenant.isPresent() && contextTenant != null && !platformTenant.get().equals(contextTenant)) {
            throw new BadRequestException("context." + key + " '" + contextTenant + "' is not the tenant of platform '"
                    + platform.name() + "'");
        }
        String tenant = platformTenant.orElse(contextTenant);
        return tenant == null ? Labels.empty() : Labels.of(key, tenant);
    }

    /**
     * Whether two records belong to the same tenant (both global counts as the same); always true
     * when multitenancy is off. For checks across records, such as a reference to a shared instance.
     */
    public boolean sameTenant(Labels a, Labels b) {
        return tenantOf(a).equals(tenantOf(b));
    }

    /** The tenant label of {@code owner}'s labels, for what belongs to it (empty when it has none). */
    public Labels inherited(Labels owner) {
        return key == null || !owner.containsKey(key) ? Labels.empty() : Labels.of(key, owner.get(key).get(0));
    }
}
