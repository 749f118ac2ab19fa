package org.servicemanager.proxy.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.servicemanager.proxy.BrokerRegistration;
import org.servicemanager.proxy.PlanAccess;
import org.servicemanager.proxy.Platform;
import org.servicemanager.proxy.PlatformBroker;
import org.servicemanager.proxy.PlatformException;
import org.servicemanager.proxy.PlatformPlan;

/**
 * A platform held in memory: broker registrations, their plans and who may use each. Like a real
 * platform it learns a broker's plans by fetching {@code GET <url>/v2/catalog} (HTTP Basic with the
 * registration's credentials, {@code X-Broker-API-Version: 2.17}) when the broker is registered or
 * updated; a failing fetch refuses the change with a {@link PlatformException}. New plans start
 * with no access; a refresh keeps the access of plans that stay and drops vanished plans. Broker
 * names are unique. Brokers registered by hand (any name) live side by side with the proxy's.
 *
 * <p>Thread-safe: every method is atomic (the catalog is fetched before the lock is taken).
 */
public final class InMemoryPlatform implements Platform {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private record Registration(PlatformBroker broker, BrokerRegistration registration,
                                Map<String, PlatformPlan> plans) {
    }

    private final String scopeLabelKey;
    private final HttpClient http;
    private final Map<String, Registration> brokers = new LinkedHashMap<>();
    private final AtomicLong changes = new AtomicLong();

    /** A platform whose plan access has no scopes (a visible plan is open to everyone). */
    public InMemoryPlatform() {
        this(null);
    }

    /** A platform whose plan access is scoped by this visibility label key (e.g. {@code organization_guid}). */
    public InMemoryPlatform(String scopeLabelKey) {
        if (scopeLabelKey != null && scopeLabelKey.isBlank()) {
            throw new IllegalArgumentException("scopeLabelKey must be null or not blank, was \"" + scopeLabelKey + "\"");
        }
        this.scopeLabelKey = scopeLabelKey;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    @Override
    public String scopeLabelKey() {
        return scopeLabelKey;
    }

    @Override
    public synchronized List<PlatformBroker> brokers() {
        return brokers.values().stream().map(Registration::broker).toList();
    }

    @Override
    public PlatformBroker createBroker(BrokerRegistration registration) {
        Objects.requireNonNull(registration, "registration");
        List<PlatformPlan> catalog = fetchCatalog(registration);
        synchronized (this) {
            requireNameFree(registration.name(), null);
            PlatformBroker broker = new PlatformBroker(UUID.randomUUID().toString(), registration.name(),
                    registration.url());
            Map<String, PlatformPlan> plans = new LinkedHashMap<>();
            catalog.forEach(p -> plans.put(p.catalogPlanId(), p));
            brokers.put(broker.id(), new Registration(broker, registration, plans));
            changes.incrementAndGet();
            return broker;
        }
    }

    @Override
    public PlatformBroker updateBroker(String brokerId, BrokerRegistration registration) {
        Objects.requireNonNull(registration, "registration");
        List<PlatformPlan> catalog = fetchCatalog(registration);
        synchronized (this) {
            Registration old = existing(brokerId);
            requireNameFree(registration.name(), brokerId);
            PlatformBroker broker = new PlatformBroker(brokerId, registration.name(), registration.url());
            Map<String, PlatformPlan> plans = new LinkedHashMap<>();
            for (PlatformPlan fetched : catalog) {
                PlatformPlan kept = old.plans().get(fetched.catalogPlanId());
                plans.put(fetched.catalogPlanId(), kept == null ? fetched
                        : new PlatformPlan(fetched.catalogPlanId(), fetched.name(), kept.access()));
            }
            brokers.put(brokerId, new Registration(broker, registration, plans));
            changes.incrementAndGet();
            return broker;
        }
    }

    @Override
    public synchronized void deleteBroker(String brokerId) {
        if (brokers.remove(brokerId) != null) {
            changes.incrementAndGet();
        }
    }

    @Override
    public synchronized List<PlatformPlan> plans(String brokerId) {
        return List.copyOf(existing(brokerId).plans().values());
    }

    @Override
    public synchronized void setAccess(String brokerId, String catalogPlanId, PlanAccess access) {
        Objects.requireNonNull(access, "access");
        if (access.kind() == PlanAccess.Kind.SCOPED && scopeLabelKey == null) {
            throw new PlatformException("this platform has no scopes, cannot grant " + access);
        }
        Registration registration = existing(brokerId);
        PlatformPlan plan = registration.plans().get(catalogPlanId);
        if (plan == null) {
            throw new PlatformException("broker " + registration.broker().name() + " has no plan " + catalogPlanId);
        }
        if (!plan.access().equals(access)) {
            registration.plans().put(catalogPlanId, new PlatformPlan(catalogPlanId, plan.name(), access));
            changes.incrementAndGet();
        }
    }

    /** The broker registered under this name, if any. */
    public synchronized Optional<PlatformBroker> broker(String name) {
        return brokers.values().stream().map(Registration::broker).filter(b -> b.name().equals(name)).findFirst();
    }

    /** What a broker was registered with (its {@code toString} hides the password). */
    public synchronized Optional<BrokerRegistration> registration(String name) {
        return brokers.values().stream().filter(r -> r.broker().name().equals(name)).map(Registration::registration)
                .findFirst();
    }

    /** The plans of the broker with this name, by catalog id; empty if there is no such broker. */
    public synchronized Map<String, PlatformPlan> plansOf(String name) {
        return brokers.values().stream().filter(r -> r.broker().name().equals(name)).findFirst()
                .map(r -> Map.copyOf(r.plans())).orElse(Map.of());
    }

    /** Who may use a plan of the broker with this name, if both exist. */
    public synchronized Optional<PlanAccess> access(String brokerName, String catalogPlanId) {
        return Optional.ofNullable(plansOf(brokerName).get(catalogPlanId)).map(PlatformPlan::access);
    }

    /** How many changes (registrations, updates, removals, access changes) this platform took so far. */
    public long changes() {
        return changes.get();
    }

    private Registration existing(String brokerId) {
        Registration registration = brokers.get(brokerId);
        if (registration == null) {
            throw new PlatformException("no broker " + brokerId + " is registered");
        }
        return registration;
    }

    private void requireNameFree(String name, String exceptId) {
        for (Registration r : brokers.values()) {
            if (r.broker().name().equals(name) && !r.broker().id().equals(exceptId)) {
                throw new PlatformException("a broker named " + name + " is registered already");
            }
        }
    }

    private List<PlatformPlan> fetchCatalog(BrokerRegistration registration) {
        String url = registration.url().replaceAll("/+$", "") + "/v2/catalog";
        String basic = Base64.getEncoder().encodeToString(
                (registration.username() + ":" + registration.password()).getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> response;
        try {
            response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Basic " + basic).header("X-Broker-API-Version", "2.17")
                    .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException | IllegalArgumentException e) {
            throw new PlatformException("cannot fetch the catalog of " + registration.name() + " at " + url + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformException("interrupted while fetching the catalog of " + registration.name(), e);
        }
        if (response.statusCode() != 200) {
            throw new PlatformException("the catalog of " + registration.name() + " at " + url + " answered "
                    + response.statusCode());
        }
        try {
            JsonNode root = MAPPER.readTree(response.body());
            List<PlatformPlan> plans = new ArrayList<>();
            for (JsonNode service : root.path("services")) {
                for (JsonNode plan : service.path("plans")) {
                    if (!plan.path("id").isTextual()) {
                        throw new PlatformException("the catalog of " + registration.name() + " has a plan without id");
                    }
                    plans.add(new PlatformPlan(plan.get("id").asText(), plan.path("name").asText(null),
                            PlanAccess.none()));
                }
            }
            return plans;
        } catch (IOException e) {
            throw new PlatformException("the catalog of " + registration.name() + " is not JSON", e);
        }
    }
}
