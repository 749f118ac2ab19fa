package org.servicemanager.brokerproxy;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.servicemanager.proxy.BrokerRegistration;
import org.servicemanager.proxy.ForwardingPlatform;
import org.servicemanager.proxy.PlanAccess;
import org.servicemanager.proxy.PlatformBroker;
import org.servicemanager.proxy.PlatformPlan;
import org.servicemanager.proxy.memory.InMemoryPlatform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-memory platform, logging a one-line summary of its state after each change the proxy
 * makes: an in-memory platform is invisible from outside the process, so this line is how a user
 * sees what the proxy replicated. For example
 * {@code In-memory platform now: 1 broker: sm-my-broker [small: everyone, large: none]}. The line
 * comes before the proxy's own line about the change, which it logs once the platform call returned. Long lists are
 * cut short. Never shows credentials.
 *
 * <p>Thread-safe, as {@link InMemoryPlatform} is (the proxy calls it from one thread anyway).
 */
final class SummarizingPlatform extends ForwardingPlatform {
    /** Named by what it describes, so the short log name reads {@code platform}. */
    private static final Logger LOG = LoggerFactory.getLogger("org.servicemanager.brokerproxy.platform");
    private static final int MAX_BROKERS_SHOWN = 10;
    private static final int MAX_PLANS_SHOWN = 10;

    private final InMemoryPlatform platform;

    SummarizingPlatform(InMemoryPlatform platform) {
        super(platform);
        this.platform = platform;
    }

    @Override
    public PlatformBroker createBroker(BrokerRegistration registration) {
        PlatformBroker broker = platform.createBroker(registration);
        logSummary();
        return broker;
    }

    @Override
    public PlatformBroker updateBroker(String brokerId, BrokerRegistration registration) {
        PlatformBroker broker = platform.updateBroker(brokerId, registration);
        logSummary();
        return broker;
    }

    @Override
    public void deleteBroker(String brokerId) {
        platform.deleteBroker(brokerId);
        logSummary();
    }

    @Override
    public void setAccess(String brokerId, String catalogPlanId, PlanAccess access) {
        platform.setAccess(brokerId, catalogPlanId, access);
        logSummary();
    }

    private void logSummary() {
        if (LOG.isInfoEnabled()) {
            LOG.info("In-memory platform now: {}", summary(platform));
        }
    }

    /** The brokers of {@code platform} with their plans (by name, else catalog id) and who may use each. */
    static String summary(InMemoryPlatform platform) {
        List<PlatformBroker> brokers = platform.brokers();
        if (brokers.isEmpty()) {
            return "no brokers";
        }
        StringBuilder line = new StringBuilder().append(brokers.size()).append(brokers.size() == 1 ? " broker: " : " brokers: ");
        String shown = brokers.stream().limit(MAX_BROKERS_SHOWN).map(b -> b.name() + " " + plans(platform, b))
                .collect(Collectors.joining(", "));
        line.append(shown);
        if (brokers.size() > MAX_BROKERS_SHOWN) {
            line.append(", ... ").append(brokers.size() - MAX_BROKERS_SHOWN).append(" more");
        }
        return line.toString();
    }

    private static String plans(InMemoryPlatform platform, PlatformBroker broker) {
        List<PlatformPlan> plans;
        try {
            plans = platform.plans(broker.id());
        } catch (RuntimeException e) {
            return "[removed meanwhile]";
        }
        String shown = plans.stream().limit(MAX_PLANS_SHOWN)
                .map(p -> (p.name() == null ? p.catalogPlanId() : p.name()) + ": " + access(p.access()))
                .collect(Collectors.joining(", "));
        return "[" + shown + (plans.size() > MAX_PLANS_SHOWN ? ", ... " + (plans.size() - MAX_PLANS_SHOWN) + " more" : "")
                + "]";
    }

    private static String access(PlanAccess access) {
        return access.kind() == PlanAccess.Kind.SCOPED ? "scopes " + access.scopes()
                : access.kind().name().toLowerCase(Locale.ROOT);
    }
}
