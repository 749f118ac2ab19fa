package org.servicemanager.proxy;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A platform that refuses the next few changes, or holds them until a gate opens, then behaves like
 * the one it wraps. Thread-safe.
 */
final class FlakyPlatform extends ForwardingPlatform {
    private final AtomicInteger failures = new AtomicInteger();
    private volatile java.util.concurrent.CountDownLatch gate;
    private volatile boolean holding;

    FlakyPlatform(Platform delegate) {
        super(delegate);
    }

    /** The next {@code count} changes (create, update, delete, setAccess) throw. */
    void failNext(int count) {
        failures.set(count);
    }

    /** Every change waits until {@code gate} opens. */
    void holdUntil(java.util.concurrent.CountDownLatch gate) {
        this.gate = gate;
    }

    /** Whether a change is waiting at the gate now. */
    boolean holding() {
        return holding;
    }

    private void maybeFail(String what) {
        java.util.concurrent.CountDownLatch waitFor = gate;
        if (waitFor != null) {
            holding = true;
            try {
                waitFor.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PlatformException("interrupted while held (test)");
            } finally {
                holding = false;
            }
        }
        if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new PlatformException("the platform refused " + what + " (test)");
        }
    }

    @Override
    public PlatformBroker createBroker(BrokerRegistration registration) {
        maybeFail("to create " + registration.name());
        return delegate().createBroker(registration);
    }

    @Override
    public PlatformBroker updateBroker(String brokerId, BrokerRegistration registration) {
        maybeFail("to update " + registration.name());
        return delegate().updateBroker(brokerId, registration);
    }

    @Override
    public void deleteBroker(String brokerId) {
        maybeFail("to delete " + brokerId);
        delegate().deleteBroker(brokerId);
    }

    @Override
    public void setAccess(String brokerId, String catalogPlanId, PlanAccess access) {
        maybeFail("to set access of " + catalogPlanId);
        delegate().setAccess(brokerId, catalogPlanId, access);
    }
}
