package org.servicemanager.proxyit;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.servicemanager.proxy.Platform;
import org.servicemanager.proxy.PlanAccess;
import org.servicemanager.proxy.cf.CloudFoundryPlatform;
import org.servicemanager.proxy.cf.fake.FakeCloudFoundry;

@DisplayName("The proxy end to end, replicating into Cloud Foundry (a fake CF v3 API and UAA on loopback)")
class CloudFoundryScenarioTest extends ProxyScenarioTest {

    @Override
    PlatformProbe newPlatform() {
        FakeCloudFoundry cf = FakeCloudFoundry.start();
        // Every org a scenario scopes a plan to (the cuts scenario uses org-0 to org-12): CF refuses unknown ones.
        for (int i = 0; i <= 12; i++) {
            cf.organization("org-" + i, "org " + i);
        }
        CloudFoundryPlatform platform = CloudFoundryPlatform.builder()
                .apiUrl(cf.url())
                .client(FakeCloudFoundry.CLIENT_ID, FakeCloudFoundry.CLIENT_SECRET)
                .jobPollInterval(Duration.ofMillis(10))
                .build();
        return new PlatformProbe() {
            @Override
            public Platform platform() {
                return platform;
            }

            @Override
            public Optional<String> brokerUrl(String name) {
                return cf.broker(name).map(FakeCloudFoundry.Broker::url);
            }

            @Override
            public Optional<PlanAccess> access(String brokerName, String catalogPlanId) {
                return cf.broker(brokerName).flatMap(b -> cf.plan(b.guid(), catalogPlanId)).map(plan ->
                        switch (plan.visibilityType()) {
                            case "public" -> PlanAccess.everyone();
                            case "organization" -> PlanAccess.scoped(plan.organizations());
                            default -> PlanAccess.none();
                        });
            }

            @Override
            public void registerByHand(String name, String url, String username, String password) {
                cf.registerBroker(name, url, username, password);
            }

            /** Every request that changes brokers or plan visibility. */
            @Override
            public long changes() {
                return cf.wireMock().getAllServeEvents().stream()
                        .map(ServeEvent::getRequest)
                        .filter(r -> !r.getMethod().getName().equals("GET"))
                        .filter(r -> r.getUrl().startsWith("/v3/service_brokers")
                                || r.getUrl().startsWith("/v3/service_plans"))
                        .count();
            }

            @Override
            public void close() {
                cf.close();
            }
        };
    }
}
