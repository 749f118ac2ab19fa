package org.servicemanager.proxyit;

import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.servicemanager.proxy.BrokerRegistration;
import org.servicemanager.proxy.Platform;
import org.servicemanager.proxy.PlanAccess;
import org.servicemanager.proxy.PlatformBroker;
import org.servicemanager.proxy.memory.InMemoryPlatform;

@DisplayName("The proxy end to end, replicating into the in-memory platform")
class InMemoryPlatformScenarioTest extends ProxyScenarioTest {

    @Override
    PlatformProbe newPlatform() {
        InMemoryPlatform platform = new InMemoryPlatform(ORG);
        return new PlatformProbe() {
            @Override
            public Platform platform() {
                return platform;
            }

            @Override
            public Optional<String> brokerUrl(String name) {
                return platform.broker(name).map(PlatformBroker::url);
            }

            @Override
            public Optional<PlanAccess> access(String brokerName, String catalogPlanId) {
                return platform.access(brokerName, catalogPlanId);
            }

            @Override
            public void registerByHand(String name, String url, String username, String password) {
                platform.createBroker(new BrokerRegistration(name, url, username, password));
            }

            @Override
            public long changes() {
                return platform.changes();
            }
        };
    }
}
