package org.servicemanager.test.junit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.SmResponse;
import org.servicemanager.test.broker.BrokerStub;
import org.servicemanager.test.http.ApiClient;

/**
 * What a test sees of the Service Manager that {@link ServiceManagerExtension} started: where it
 * listens, an administrator's client, direct {@link #handle} calls, and factories for platforms and
 * broker stubs. Inject it as a test or lifecycle method parameter (like WireMock's
 * {@code WireMockRuntimeInfo}) or ask the extension ({@link ServiceManagerExtension#runtimeInfo()}).
 *
 * <p>The registration helpers go through {@link #handle} as the administrator, so they work with
 * or without HTTP. Broker stubs started here are stopped with the fixture. Thread-safe.
 */
public final class ServiceManagerRuntimeInfo {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ServiceManager serviceManager;
    private final String baseUrl;
    private final String adminUsername;
    private final String adminPassword;
    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

    ServiceManagerRuntimeInfo(ServiceManager serviceManager, String baseUrl, String adminUsername,
            String adminPassword) {
        this.serviceManager = serviceManager;
        this.baseUrl = baseUrl;
        this.adminUsername = adminUsername;
        this.adminPassword = adminPassword;
    }

    /** The Service Manager itself. */
    public ServiceManager serviceManager() {
        return serviceManager;
    }

    /** Whether the Service Manager is served over HTTP (see {@link ServiceManagerExtension.Builder#http}). */
    public boolean isHttpEnabled() {
        return baseUrl != null;
    }

    /**
     * {@code http://127.0.0.1:port}, without a trailing slash.
     *
     * @throws IllegalStateException when the fixture does not serve HTTP
     */
    public String baseUrl() {
        if (baseUrl == null) {
            throw new IllegalStateException("this Service Manager is not served over HTTP: build the extension "
                    + "with http(true), or call handle(...)");
        }
        return baseUrl;
    }

    /** The bound port (see {@link #baseUrl()}). */
    public int port() {
        return Integer.parseInt(baseUrl().substring(baseUrl().lastIndexOf(':') + 1));
    }

    public String adminUsername() {
        return adminUsername;
    }

    public String adminPassword() {
        return adminPassword;
    }

    /** A client of {@link #baseUrl()} with the administrator's Basic credentials. */
    public ApiClient admin() {
        return anonymous().withCredentials(adminUsername, adminPassword);
    }

    /** A client of {@link #baseUrl()} without credentials. */
    public ApiClient anonymous() {
        return new ApiClient(baseUrl());
    }

    /** Calls the Service Manager directly, without HTTP; the request is sent as given. */
    public SmResponse handle(SmRequest request) {
        return serviceManager.handle(Objects.requireNonNull(request, "request"));
    }

    /** Calls the Service Manager directly as the administrator; {@code json} may be {@code null}. */
    public SmResponse handleAsAdmin(String method, String path, String json) {
        String query = null;
        String rawPath = path;
        int question = path.indexOf('?');
        if (question >= 0) {
            rawPath = path.substring(0, question);
            query = path.substring(question + 1);
        }
        SmRequest.Builder request = SmRequest.builder(method, rawPath).query(query)
                .header("Authorization", ApiClient.basicAuthorization(adminUsername, adminPassword));
        if (json != null) {
            request.jsonBody(json);
        }
        return handle(request.build());
    }

    /**
     * Registers a platform of type {@code kubernetes} and returns it with its credentials, which the
     * Service Manager shows only now.
     */
    public TestPlatform registerPlatform(String name) {
        return registerPlatform(name, "kubernetes");
    }

    /** Registers a platform and returns it with its credentials. */
    public TestPlatform registerPlatform(String name, String type) {
        ObjectNode body = MAPPER.createObjectNode().put("name", Objects.requireNonNull(name, "name"))
                .put("type", Objects.requireNonNull(type, "type"));
        JsonNode created = expect(201, "POST", "/v1/platforms", body.toString());
        JsonNode basic = created.path("credentials").path("basic");
        return new TestPlatform(created.path("id").asText(), name, basic.path("username").asText(),
                basic.path("password").asText(), baseUrl);
    }

    /** Starts a broker stub that is stopped with the fixture (not yet registered). */
    public BrokerStub brokerStub() {
        BrokerStub stub = BrokerStub.start();
        resources.add(stub);
        return stub;
    }

    /**
     * Registers {@code stub} under {@code name} with the credentials it demands (the Service
     * Manager fetches its catalog now) and returns the Service Manager's broker id.
     */
    public String registerBroker(String name, BrokerStub stub) {
        Objects.requireNonNull(stub, "stub");
        return registerBroker(name, stub.url(), stub.username(), stub.password());
    }

    /** Registers any broker with Basic credentials and returns the Service Manager's broker id. */
    public String registerBroker(String name, String url, String username, String password) {
        ObjectNode body = MAPPER.createObjectNode().put("name", Objects.requireNonNull(name, "name"))
                .put("broker_url", Objects.requireNonNull(url, "url"));
        body.putObject("credentials").putObject("basic")
                .put("username", Objects.requireNonNull(username, "username"))
                .put("password", Objects.requireNonNull(password, "password"));
        return expect(201, "POST", "/v1/service_brokers", body.toString()).path("id").asText();
    }

    /** Starts a broker stub (stopped with the fixture), registers it and returns both. */
    public RegisteredBroker registerBrokerStub(String name) {
        BrokerStub stub = brokerStub();
        return new RegisteredBroker(registerBroker(name, stub), stub);
    }

    /**
     * Makes every plan of a registered broker visible to every platform, so platforms may use it
     * through {@code /v1/osb}. Returns the visibility ids.
     */
    public List<String> makePlansVisible(String brokerId) {
        List<String> visibilities = new ArrayList<>();
        JsonNode offerings = expect(200, "GET", "/v1/service_offerings?max_items=500&fieldQuery="
                + ApiClient.encode("broker_id eq '" + brokerId + "'"), null).path("items");
        for (JsonNode offering : offerings) {
            JsonNode plans = expect(200, "GET", "/v1/service_plans?max_items=500&fieldQuery="
                    + ApiClient.encode("service_offering_id eq '" + offering.path("id").asText() + "'"), null)
                    .path("items");
            for (JsonNode plan : plans) {
                String body = MAPPER.createObjectNode().put("service_plan_id", plan.path("id").asText()).toString();
                visibilities.add(expect(201, "POST", "/v1/visibilities", body).path("id").asText());
            }
        }
        return visibilities;
    }

    /** Closes {@code resource} with the fixture, after the Service Manager has stopped. */
    public <T extends AutoCloseable> T closeWithFixture(T resource) {
        resources.add(Objects.requireNonNull(resource, "resource"));
        return resource;
    }

    /** Closes what was registered, newest first; the first failure is thrown after all were tried. */
    void closeResources() throws Exception {
        Exception first = null;
        List<AutoCloseable> toClose = new ArrayList<>(resources);
        resources.clear();
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private JsonNode expect(int status, String method, String path, String json) {
        SmResponse response = handleAsAdmin(method, path, json);
        if (response.status() != status) {
            throw new IllegalStateException(method + " " + path + " answered " + response.status() + " (expected "
                    + status + "): " + response.bodyAsString());
        }
        try {
            return MAPPER.readTree(response.body());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(method + " " + path + " answered no JSON: " + response.bodyAsString(), e);
        }
    }

    @Override
    public String toString() {
        return "ServiceManagerRuntimeInfo[" + (baseUrl == null ? "no HTTP" : baseUrl) + "]";
    }

    /**
     * A broker stub and the id the Service Manager gave it. Immutable and thread-safe.
     *
     * @param id   the Service Manager's broker id
     * @param stub the stub, stopped with the fixture
     */
    public record RegisteredBroker(String id, BrokerStub stub) {
        public RegisteredBroker {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(stub, "stub");
        }
    }
}
