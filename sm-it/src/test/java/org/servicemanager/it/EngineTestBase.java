package org.servicemanager.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.common.ConsoleNotifier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.LastOperation;
import org.servicemanager.api.model.Operation;
import org.servicemanager.api.model.OperationType;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.model.ServiceInstance;
import org.servicemanager.api.model.ServicePlan;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.EngineAccess;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.registry.PlatformOperations;
import org.servicemanager.core.internal.registry.PlatformOperations.Caller;
import org.servicemanager.core.internal.security.AesGcmCipher;
import org.servicemanager.core.internal.security.BrokerSecrets;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.time.MutableClock;

/**
 * The stage of the operations engine tests: a WireMock broker on loopback registered with a
 * Service Manager on a memory store and the test's clock, working operations only when the test
 * calls {@code runDueOperations()}. The catalog: offering {@code db} (bindable, plan_updateable,
 * retrievable) with plan {@code small} (maintenance info 1.0.0) and plan {@code large}
 * ({@code maximum_polling_duration} 60 s).
 */
abstract class EngineTestBase {
    static final byte[] KEY = new byte[32];
    static final Duration READ_TIMEOUT = Duration.ofSeconds(1);
    static final Duration POLL = Duration.ofSeconds(4);
    static final Duration RETRY = Duration.ofSeconds(10);
    static final String CORRELATION = "corr-1";
    static final String IDENTITY = "service-manager eyJ1c2VybmFtZSI6ImFkbWluIn0=";
    static final Caller CALLER = new Caller(CORRELATION, IDENTITY);
    static final ObjectMapper JSON = new ObjectMapper();

    final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    final Store store = newStore();
    final List<ServiceManager> nodes = new ArrayList<>();
    WireMockServer broker;
    ServiceManager sm;
    PlatformOperations engine;
    String small;
    String large;

    @BeforeEach
    void stage() {
        broker = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort()
                .notifier(new ConsoleNotifier(false)));
        broker.start();
        broker.stubFor(get(urlPathEqualTo("/v2/catalog")).willReturn(json(200, Catalogs.of(
                Catalogs.offering("db").set("plan_updateable", true).set("instances_retrievable", true)
                        .set("bindings_retrievable", true)
                        .plan(Catalogs.plan("small").setJson("maintenance_info", "{\"version\":\"1.0.0\"}"))
                        .plan(Catalogs.plan("large").set("maximum_polling_duration", 60))))));
        sm = node();
        engine = EngineAccess.engine(sm);
        SmResponse registered = sm.handle(SmRequest.builder("POST", "/v1/service_brokers").jsonBody(
                "{\"name\":\"db-broker\",\"broker_url\":\"" + broker.baseUrl() + "\",\"credentials\":{\"basic\":"
                        + "{\"username\":\"broker-user\",\"password\":\"broker-pass\"}}}").build());
        assertThat(registered.status()).as(new String(registered.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        for (ServicePlan plan : store.repository(EntityTypes.SERVICE_PLANS).list(Query.all(),
                PageRequest.unbounded()).items()) {
            if (plan.catalogId().equals("small-id")) {
                small = plan.id();
            } else if (plan.catalogId().equals("large-id")) {
                large = plan.id();
            }
        }
        broker.resetRequests();
    }

    @AfterEach
    void tearDown() {
        for (ServiceManager node : nodes) {
            node.close();
        }
        broker.stop();
        store.close();
    }

    /** The store all nodes share: a memory store, unless a subclass runs on another. */
    Store newStore() {
        return new MemoryStore();
    }

    /** A Service Manager node on the shared store and clock. */
    ServiceManager node() {
        ServiceManager node = ServiceManager.builder().store(store).clock(nodeClock()).encryptionKey(KEY)
                .disableAuthentication().brokerReadTimeout(READ_TIMEOUT).brokerConnectTimeout(READ_TIMEOUT)
                .operationsPollInterval(pollInterval()).operationsRetryInterval(RETRY)
                .operationsInBackground(background()).build();
        nodes.add(node);
        return node;
    }

    /** The clock of the nodes: the test's, unless they work in the background. */
    java.time.Clock nodeClock() {
        return clock;
    }

    Duration pollInterval() {
        return POLL;
    }

    boolean background() {
        return false;
    }

    static ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }

    void stub(MappingBuilder mapping) {
        broker.stubFor(mapping);
    }

    Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    /** An instance as the REST API hands it to the engine: not stored, not ready. */
    ServiceInstance newInstance(String planId) {
        Instant now = now();
        return new ServiceInstance(unique("i"), "my-db", planId, Platform.SERVICE_MANAGER_ID, null, null, null, true,
                LastOperation.inProgress(OperationType.CREATE, null), null, null, Labels.empty(), now, now, false, 0);
    }

    ServiceBinding newBinding(String instanceId) {
        Instant now = now();
        // A name of its own: binding names are unique per instance, and some tests bind one instance twice.
        return new ServiceBinding(unique("b"), unique("my-binding"), instanceId, Platform.SERVICE_MANAGER_ID, null,
                "{\"app_guid\":\"app-1\"}", null, LastOperation.inProgress(OperationType.CREATE, null), Labels.empty(),
                now, now, false, 0);
    }

    static String instancePath(String id) {
        return "/v2/service_instances/" + id;
    }

    static String bindingPath(String instanceId, String bindingId) {
        return instancePath(instanceId) + "/service_bindings/" + bindingId;
    }

    Optional<ServiceInstance> instance(String id) {
        return store.repository(EntityTypes.SERVICE_INSTANCES).get(id);
    }

    Optional<ServiceBinding> binding(String id) {
        return store.repository(EntityTypes.SERVICE_BINDINGS).get(id);
    }

    Operation operation(String id) {
        return store.repository(EntityTypes.OPERATIONS).get(id).orElseThrow();
    }

    long operationCount() {
        return store.repository(EntityTypes.OPERATIONS).count(Query.all());
    }

    static <T> T settled(CompletableFuture<T> future) {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("failed: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The failure a settled future completed with. */
    static Throwable failure(CompletableFuture<?> future) {
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected a failure");
    }

    /** Advances the clock and works what is due. */
    int after(Duration duration) {
        clock.advance(duration);
        return sm.runDueOperations();
    }

    /** A ready instance of {@code small}, provisioned synchronously. */
    ServiceInstance provisioned() {
        stub(com.github.tomakehurst.wiremock.client.WireMock.put(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching("/v2/service_instances/[^/]+"))
                .willReturn(json(201, "{}")));
        ServiceInstance instance = newInstance(small);
        settled(engine.provision(instance, null, CALLER).settled());
        broker.resetRequests();
        broker.resetMappings();
        return instance(instance.id()).orElseThrow();
    }

    static BrokerSecrets secrets() {
        return new BrokerSecrets(AesGcmCipher.of(KEY));
    }

    static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
