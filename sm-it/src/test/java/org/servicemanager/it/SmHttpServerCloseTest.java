package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.servicemanager.core.jdk.SmHttpServer;
import org.servicemanager.test.broker.BrokerStub;
import org.servicemanager.test.broker.BrokerStub.OsbCall;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.test.junit.ServiceManagerExtension;
import org.servicemanager.test.junit.ServiceManagerRuntimeInfo;
import org.servicemanager.test.junit.TestPlatform;

/**
 * Closing the JDK server adapter: requests the Service Manager is still answering get their answer,
 * and an idle server stops at once (on Java 17 the JDK server's own grace period waited its whole
 * length even when idle). The fixture gives the Service Manager and the broker stub; the test serves
 * it with a server of its own, to close it mid-request.
 */
@DisplayName("SmHttpServer.close()")
class SmHttpServerCloseTest {
    private static final String PROVISION = "{\"service_id\":\"fake-service-id\",\"plan_id\":\"small-id\","
            + "\"organization_guid\":\"o\",\"space_guid\":\"s\"}";

    @RegisterExtension
    ServiceManagerExtension sm = ServiceManagerExtension.newInstance().http(false).build();

    private SmHttpServer server;
    private BrokerStub broker;
    private String brokerId;

    @BeforeEach
    void serve(ServiceManagerRuntimeInfo info) {
        ServiceManagerRuntimeInfo.RegisteredBroker registered = info.registerBrokerStub("slow");
        broker = registered.stub();
        brokerId = registered.id();
        info.makePlansVisible(brokerId);
        server = SmHttpServer.start(info.serviceManager(), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /**
     * Starts a platform's provision through this test's server, which the broker answers after
     * {@code delay}, and returns once the broker has received it: a request in flight.
     */
    private CompletableFuture<ApiResponse> provisionReachingTheBroker(ServiceManagerRuntimeInfo info, Duration delay)
            throws InterruptedException {
        TestPlatform k8s = info.registerPlatform("k8s");
        // The fixture serves no HTTP here: the platform's client goes to this test's own server.
        TestPlatform served = new TestPlatform(k8s.id(), k8s.name(), k8s.username(), k8s.password(), server.baseUrl());
        broker.delay(OsbCall.PROVISION, delay);
        CompletableFuture<ApiResponse> provision = CompletableFuture.supplyAsync(() -> served.client().put(
                TestPlatform.osbPath(brokerId) + "/v2/service_instances/i1", PROVISION));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (broker.server().countRequestsMatching(OsbCall.PROVISION.requested().build()).getCount() == 0
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return provision;
    }

    /** Closes the server as the test's action; the clean-up then has nothing left to do. */
    private void closeServer() {
        SmHttpServer closing = server;
        server = null;
        closing.close();
    }

    @Test
    @DisplayName("lets a request that waits for a slow broker finish, and answers it")
    void finishesRequestsInFlight(ServiceManagerRuntimeInfo info) throws Exception {
        CompletableFuture<ApiResponse> provision = provisionReachingTheBroker(info, Duration.ofMillis(500));
        closeServer();

        assertThat(provision.get(10, TimeUnit.SECONDS).status()).isEqualTo(201);
    }

    @Test
    @DisplayName("stops an idle server well within its one-second grace period, and refuses connections after")
    void idleStopsAtOnce() {
        ApiClient client = new ApiClient(server.baseUrl());
        assertThat(client.get("/v1/info").status()).isEqualTo(200);

        long start = System.nanoTime();
        closeServer();
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(took).isLessThan(Duration.ofMillis(900));
        assertThatThrownBy(() -> client.get("/v1/info")).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    @DisplayName("answers requests that arrive while it waits for those in flight with 503 and Connection: close")
    void refusesNewRequestsWhileClosing(ServiceManagerRuntimeInfo info) throws Exception {
        CompletableFuture<ApiResponse> provision = provisionReachingTheBroker(info, Duration.ofMillis(800));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        SmHttpServer closing = server;
        server = null;
        CompletableFuture<Void> closed = CompletableFuture.runAsync(closing::close);

        // Until close begins new requests are served as usual; the first one that is not must be a 503.
        ApiClient client = new ApiClient(closing.baseUrl());
        ApiResponse refused = client.get("/v1/info");
        while (refused.status() == 200 && System.nanoTime() < deadline) {
            refused = client.get("/v1/info");
        }

        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("Connection")).hasValueSatisfying(v -> assertThat(v).isEqualToIgnoringCase("close"));
        assertThat(refused.text("error")).isEqualTo("ServiceUnavailable");
        assertThat(refused.text("description")).isNotBlank();
        assertThat(provision.get(10, TimeUnit.SECONDS).status()).isEqualTo(201);
        closed.get(10, TimeUnit.SECONDS);
    }
}
