package org.servicemanager.proxy;

import java.util.List;
import java.util.Objects;

/**
 * A {@link Platform} that passes every call to another: the base of platforms that add one thing
 * to a real one (log its state, time its calls, fail on demand in a test). Subclasses override only
 * what they change. Thread-safe if the delegate is.
 */
public class ForwardingPlatform implements Platform {
    private final Platform delegate;

    /**
     * @param delegate the platform every call goes to
     */
    public ForwardingPlatform(Platform delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The platform every call goes to. */
    protected final Platform delegate() {
        return delegate;
    }

    @Override
    public String scopeLabelKey() {
        return delegate.scopeLabelKey();
    }

    @Override
    public List<PlatformBroker> brokers() {
        return delegate.brokers();
    }

    @Override
    public PlatformBroker createBroker(BrokerRegistration registration) {
        return delegate.createBroker(registration);
    }

    @Override
    public PlatformBroker updateBroker(String brokerId, BrokerRegistration registration) {
        return delegate.updateBroker(brokerId, registration);
    }

    @Override
    public void deleteBroker(String brokerId) {
        delegate.deleteBroker(brokerId);
    }

    @Override
    public List<PlatformPlan> plans(String brokerId) {
        return delegate.plans(brokerId);
    }

    @Override
    public void setAccess(String brokerId, String catalogPlanId, PlanAccess access) {
        delegate.setAccess(brokerId, catalogPlanId, access);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + delegate + "]";
    }
}
