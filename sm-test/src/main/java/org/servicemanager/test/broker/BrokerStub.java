package org.servicemanager.test.broker;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.request;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.ScenarioMappingBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.extension.requestfilter.RequestFilterAction;
import com.github.tomakehurst.wiremock.extension.requestfilter.StubRequestFilterV2;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.standalone.MappingsSource;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.stubbing.StubMappings;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.servicemanager.test.http.ApiClient;

/**
 * An Open Service Broker stubbed with <a href="https://wiremock.org">WireMock</a> on
 * {@code 127.0.0.1} with a free port: our helpers stub the OSB answers (catalog, provision,
 * update, deprovision, bind, unbind; synchronous, asynchronous with {@code last_operation}, errors,
 * delays), and WireMock's own API ({@link #server()}, {@link #verify}) checks what the broker
 * received.
 *
 * <pre>{@code
 * try (BrokerStub broker = BrokerStub.start()) {
 *     broker.catalog(Catalogs.of(Catalogs.offering("db").plan(Catalogs.plan("small"))))
 *           .async(OsbCall.PROVISION, "in progress", "succeeded");
 *     // register broker.url() with broker.username() / broker.password(), provision, then:
 *     broker.verify(putRequestedFor(urlPathMatching("/v2/service_instances/.+"))
 *             .withQueryParam("accepts_incomplete", equalTo("true")));
 * }
 * }</pre>
 *
 * <p>A fresh stub already answers: the catalog {@link FakeBroker#defaultCatalog()}, every
 * instance and binding call synchronously with success, and the broker's {@code GET} of an instance
 * ({@code {}}) and of a binding (the bind's credentials), so registering it, provisioning and
 * finishing an asynchronous bind work at once; each helper replaces the answer of one call (WireMock serves the newest matching stub).
 * It demands HTTP Basic credentials ({@link #username()}, {@link #password()}, fixed unless
 * {@link #withBasicAuth} changes them) and answers 401 without them, as a real broker does.
 *
 * <p>Started lean for speed (a few Jetty threads, no response templating, no extension scanning,
 * no mapping files read from the working directory). Thread-safe, as WireMock is.
 */
public final class BrokerStub implements AutoCloseable {
    /** The user name a fresh stub demands. */
    public static final String DEFAULT_USERNAME = "broker-user";
    /** The password a fresh stub demands (a test value, not a secret). */
    public static final String DEFAULT_PASSWORD = "broker-password";

    private static final String INSTANCE = "/v2/service_instances/[^/]+";
    private static final String BINDING = INSTANCE + "/service_bindings/[^/]+";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final AtomicInteger SCENARIOS = new AtomicInteger();

    /** The OSB calls a stub answers, each with its method and path. */
    public enum OsbCall {
        /** {@code PUT /v2/service_instances/{id}}. */
        PROVISION("PUT", INSTANCE, 201, "{}"),
        /** {@code PATCH /v2/service_instances/{id}}. */
        UPDATE("PATCH", INSTANCE, 200, "{}"),
        /** {@code DELETE /v2/service_instances/{id}}. */
        DEPROVISION("DELETE", INSTANCE, 200, "{}"),
        /** {@code PUT /v2/service_instances/{id}/service_bindings/{binding_id}}. */
        BIND("PUT", BINDING, 201, "{\"credentials\":{\"username\":\"stub-user\",\"password\":\"stub-password\"}}"),
        /** {@code DELETE /v2/service_instances/{id}/service_bindings/{binding_id}}. */
        UNBIND("DELETE", BINDING, 200, "{}");

        private final String method;
        private final String pathRegex;
        private final int successStatus;
        private final String successBody;

        OsbCall(String method, String pathRegex, int successStatus, String successBody) {
            this.method = method;
            this.pathRegex = pathRegex;
            this.successStatus = successStatus;
            this.successBody = successBody;
        }

        /** The HTTP method. */
        public String method() {
            return method;
        }

        /** A regular expression of the path, for WireMock's {@code urlPathMatching}. */
        public String pathRegex() {
            return pathRegex;
        }

        /** The path of the {@code last_operation} that polls this call's asynchronous operation. */
        public String lastOperationPathRegex() {
            return (this == BIND || this == UNBIND ? BINDING : INSTANCE) + "/last_operation";
        }

        /** A WireMock pattern of requests of this call, for {@link BrokerStub#verify}. */
        public RequestPatternBuilder requested() {
            return RequestPatternBuilder.newRequestPattern(
                    com.github.tomakehurst.wiremock.http.RequestMethod.fromString(method), urlPathMatching(pathRegex));
        }
    }

    private final WireMockServer server;
    private final AtomicReference<String> expectedAuthorization;
    private final AtomicReference<String[]> credentials;

    private BrokerStub(WireMockServer server, AtomicReference<String> expectedAuthorization) {
        this.server = server;
        this.expectedAuthorization = expectedAuthorization;
        this.credentials = new AtomicReference<>(new String[] {DEFAULT_USERNAME, DEFAULT_PASSWORD});
    }

    /** Starts a stub on {@code 127.0.0.1} with a free port, answering everything with success. */
    public static BrokerStub start() {
        AtomicReference<String> expected = new AtomicReference<>(ApiClient.basicAuthorization(DEFAULT_USERNAME, DEFAULT_PASSWORD));
        WireMockServer server = new WireMockServer(wireMockConfig()
                .bindAddress("127.0.0.1")
                .dynamicPort()
                // Few threads start faster. Delayed answers wait on the scheduler's threads, not
                // Jetty's, so slow calls in parallel do not queue behind each other.
                .containerThreads(8)
                .jettyAcceptors(1)
                .asynchronousResponseEnabled(true)
                .asynchronousResponseThreads(2)
                .templatingEnabled(false)
                .globalTemplating(false)
                .extensionScanningEnabled(false)
                .stubRequestLoggingDisabled(true)
                .gzipDisabled(true)
                .http2PlainDisabled(true)
                // Never read mapping files from the working directory of whoever runs the tests.
                .mappingSource(NoMappings.INSTANCE)
                .extensions(new BasicAuthFilter(expected)));
        server.start();
        BrokerStub stub = new BrokerStub(server, expected);
        try {
            stub.catalog(FakeBroker.defaultCatalog());
            for (OsbCall call : OsbCall.values()) {
                stub.succeed(call);
            }
            // After an asynchronous provision or bind succeeds (and for GET .../parameters) the
            // Service Manager fetches the instance or binding; without these it would retry 404s.
            server.stubFor(get(urlPathMatching(INSTANCE)).willReturn(json(200, "{}")));
            server.stubFor(get(urlPathMatching(BINDING)).willReturn(json(200, OsbCall.BIND.successBody)));
        } catch (RuntimeException e) {
            server.stop();
            throw e;
        }
        return stub;
    }

    /** {@code http://127.0.0.1:port}, without a trailing slash: the {@code broker_url} to register. */
    public String url() {
        return "http://127.0.0.1:" + server.port();
    }

    public int port() {
        return server.port();
    }

    /** The user name the stub demands, or the last one set, to register the broker with. */
    public String username() {
        return credentials.get()[0];
    }

    /** The password the stub demands, or the last one set, to register the broker with. */
    public String password() {
        return credentials.get()[1];
    }

    /** From now on, only requests with these HTTP Basic credentials are served; others get 401. */
    public BrokerStub withBasicAuth(String username, String password) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        credentials.set(new String[] {username, password});
        expectedAuthorization.set(ApiClient.basicAuthorization(username, password));
        return this;
    }

    /** From now on, requests are served whatever their credentials. */
    public BrokerStub withoutAuth() {
        expectedAuthorization.set(null);
        return this;
    }

    /** {@code GET /v2/catalog} answers 200 with this catalog (see {@link Catalogs}). */
    public BrokerStub catalog(String json) {
        Objects.requireNonNull(json, "json");
        server.stubFor(get(urlPathEqualTo(FakeBroker.CATALOG_PATH)).willReturn(json(200, json)));
        return this;
    }

    /** {@code GET /v2/catalog} answers 200 with a catalog of these offerings. */
    public BrokerStub catalog(Catalogs.Offering... offerings) {
        return catalog(Catalogs.of(offerings));
    }

    /** {@code GET /v2/catalog} answers {@code status} with an OSB error body. */
    public BrokerStub catalogFails(int status, String error, String description) {
        server.stubFor(get(urlPathEqualTo(FakeBroker.CATALOG_PATH))
                .willReturn(json(status, errorBody(error, description))));
        return this;
    }

    /** {@code call} succeeds synchronously: 201 for provision and bind (with credentials), else 200. */
    public BrokerStub succeed(OsbCall call) {
        return respond(call, call.successStatus, call.successBody);
    }

    /** {@code call} answers {@code status} with this JSON body. */
    public BrokerStub respond(OsbCall call, int status, String jsonBody) {
        return respond(call, status, jsonBody, Duration.ZERO);
    }

    /** {@code call} answers {@code status} with this JSON body, after {@code delay}. */
    public BrokerStub respond(OsbCall call, int status, String jsonBody, Duration delay) {
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(jsonBody, "jsonBody");
        Objects.requireNonNull(delay, "delay");
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status must be between 100 and 599, was " + status);
        }
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
        if (delay.toMillis() > Integer.MAX_VALUE) {
            // WireMock takes an int of milliseconds.
            throw new IllegalArgumentException("delay must be at most " + Integer.MAX_VALUE + " ms, was " + delay);
        }
        ResponseDefinitionBuilder answer = json(status, jsonBody);
        if (!delay.isZero()) {
            answer = answer.withFixedDelay(Math.toIntExact(delay.toMillis()));
        }
        server.stubFor(mapping(call).willReturn(answer));
        return this;
    }

    /** {@code call} succeeds as usual, but only after {@code delay} (for timeouts and slow brokers). */
    public BrokerStub delay(OsbCall call, Duration delay) {
        return respond(call, call.successStatus, call.successBody, delay);
    }

    /**
     * {@code call} fails with {@code status} and an OSB error body
     * {@code {"error": error, "description": description}} ({@code error} may be {@code null}).
     */
    public BrokerStub fail(OsbCall call, int status, String error, String description) {
        return respond(call, status, errorBody(error, description));
    }

    /**
     * {@code call} answers {@code 202 {"operation": "<call>-operation"}}, and its
     * {@code last_operation} answers {@code states} one after the other (e.g. {@code "in progress"},
     * {@code "succeeded"}), the last one from then on. The sequence is one WireMock scenario shared
     * by every instance (or binding) of the stub; calling this again starts it afresh.
     */
    public BrokerStub async(OsbCall call, String... states) {
        Objects.requireNonNull(call, "call");
        if (states.length == 0) {
            throw new IllegalArgumentException("at least one last_operation state is required, e.g. \"succeeded\"");
        }
        for (String state : states) {
            if (!List.of("in progress", "succeeded", "failed").contains(state)) {
                throw new IllegalArgumentException("a last_operation state is 'in progress', 'succeeded' or "
                        + "'failed', was '" + state + "'");
            }
        }
        String operation = call.name().toLowerCase(java.util.Locale.ROOT) + "-operation";
        respond(call, 202, "{\"operation\":\"" + operation + "\"}");
        String scenario = "last_operation " + call + " " + SCENARIOS.incrementAndGet();
        for (int i = 0; i < states.length; i++) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("state", states[i]);
            body.put("description", "stubbed " + states[i]);
            ScenarioMappingBuilder poll = get(urlPathMatching(call.lastOperationPathRegex()))
                    .withQueryParam("operation", equalTo(operation))
                    .inScenario(scenario)
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "poll " + i);
            if (i < states.length - 1) {
                poll = poll.willSetStateTo("poll " + (i + 1));
            }
            server.stubFor(poll.willReturn(json(200, write(body))));
        }
        return this;
    }

    /** The WireMock server behind the stub, for anything our helpers do not cover. */
    public WireMockServer server() {
        return server;
    }

    /** A WireMock client of this stub, for {@code wireMock().register(...)}, {@code verifyThat(...)}. */
    public WireMock wireMock() {
        return new WireMock(server);
    }

    /** Asserts that at least one request matched (WireMock's {@code verify}). */
    public void verify(RequestPatternBuilder requested) {
        server.verify(requested);
    }

    /** Asserts that exactly {@code count} requests matched. */
    public void verify(int count, RequestPatternBuilder requested) {
        server.verify(count, requested);
    }

    /** Forgets every request received so far (stubs stay). */
    public void resetRequests() {
        server.resetRequests();
    }

    /** Stops the server. Idempotent. */
    @Override
    public void close() {
        if (server.isRunning()) {
            server.stop();
        }
    }

    @Override
    public String toString() {
        return "BrokerStub[" + url() + "]";
    }

    private static MappingBuilder mapping(OsbCall call) {
        return request(call.method, urlPathMatching(call.pathRegex));
    }

    private static ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }

    private static String errorBody(String error, String description) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (error != null) {
            body.put("error", error);
        }
        body.put("description", Objects.requireNonNull(description, "description"));
        return write(body);
    }

    private static String write(Map<String, Object> body) {
        try {
            return MAPPER.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Answers 401 before any stub when credentials are demanded and the request lacks them. */
    private static final class BasicAuthFilter implements StubRequestFilterV2 {
        private final AtomicReference<String> expected;

        BasicAuthFilter(AtomicReference<String> expected) {
            this.expected = expected;
        }

        @Override
        public RequestFilterAction filter(Request request, ServeEvent serveEvent) {
            String demanded = expected.get();
            if (demanded == null || demanded.equals(request.getHeader("Authorization"))) {
                return RequestFilterAction.continueWith(request);
            }
            return RequestFilterAction.stopWith(json(401, errorBody("Unauthorized", "wrong or missing credentials"))
                    .withHeader("WWW-Authenticate", "Basic realm=\"broker\"").build());
        }

        @Override
        public String getName() {
            return "sm-broker-stub-basic-auth";
        }
    }

    /** Loads no mapping files and saves none. */
    private enum NoMappings implements MappingsSource {
        INSTANCE;

        @Override
        public void loadMappingsInto(StubMappings stubMappings) {
        }

        @Override
        public void save(List<StubMapping> stubMappings) {
        }

        @Override
        public void save(StubMapping stubMapping) {
        }

        // Abstract in WireMock 3 although marked for removal: it must be implemented until it goes.
        @Override
        @SuppressWarnings("removal")
        public void remove(StubMapping stubMapping) {
        }

        @Override
        public void removeAll() {
        }
    }
}
