package org.servicemanager.test.junit;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.jdk.SmHttpServer;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.http.ApiClient;

/**
 * A JUnit 5 extension that starts a Service Manager for a test class or for each test, modelled
 * on WireMock's {@code WireMockExtension} and Jdbi's {@code JdbiExtension}:
 *
 * <pre>{@code
 * class CatalogTest {
 *     @RegisterExtension
 *     static ServiceManagerExtension sm = ServiceManagerExtension.newInstance()
 *             .configure(builder -> builder.brokerReadTimeout(Duration.ofSeconds(2)))
 *             .build();
 *
 *     @Test
 *     void seesTheBrokersOfferings(ServiceManagerRuntimeInfo info) {
 *         String brokerId = info.registerBrokerStub("db").id();
 *         assertThat(info.admin().get("/v1/service_offerings").body()).contains(brokerId);
 *     }
 * }
 * }</pre>
 *
 * <p>In a {@code static} field the extension starts one Service Manager before all tests of the
 * class and stops it after them; in an instance field, one per test. {@link ServiceManagerTest}
 * does the same declaratively with the defaults. Either way, a test or lifecycle method may take a
 * {@link ServiceManagerRuntimeInfo} parameter.
 *
 * <p>Defaults: a fresh {@link MemoryStore} (closed with the fixture), one administrator
 * {@value #DEFAULT_ADMIN_USERNAME} / {@value #DEFAULT_ADMIN_PASSWORD}, served over HTTP on
 * {@code 127.0.0.1} with a free port by the JDK's built-in server ({@link SmHttpServer}), which
 * starts in a few milliseconds. The administrator's password is hashed with few PBKDF2 iterations,
 * once per JVM, since a production-strength hash would cost each fixture a third of a second; it
 * is a test password and protects nothing.
 *
 * <p>Stopping closes, in order: what the test registered with the runtime info (broker stubs),
 * the HTTP server, the Service Manager, the store; one that fails to close does not keep the others
 * open. If starting fails, whatever was already started is closed. Not thread-safe to build; the
 * built extension is thread-safe: its callbacks are synchronized, so {@code @Nested} classes run
 * concurrently share the one Service Manager, which stops after the last of them and the outer class.
 */
public final class ServiceManagerExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback, ParameterResolver {
    /** The administrator's user name unless the builder says otherwise. */
    public static final String DEFAULT_ADMIN_USERNAME = "admin";
    /** The administrator's password unless the builder says otherwise (a test value, not a secret). */
    public static final String DEFAULT_ADMIN_PASSWORD = "admin-password";
    /** Enough to exercise the real hash code; a test password needs no protection. */
    private static final int TEST_HASH_ITERATIONS = 1_000;
    private static final Map<String, String> HASHES = new ConcurrentHashMap<>();

    private final String adminUsername;
    private final String adminPassword;
    private final Consumer<ServiceManager.Builder> configuration;
    private final Supplier<? extends Store> storeSupplier;
    private final boolean http;
    private final boolean declarative;

    private ServiceManagerRuntimeInfo runtimeInfo;
    private SmHttpServer server;
    private ServiceManager serviceManager;
    private Store store;
    /** How many class contexts (the class and its {@code @Nested} classes) share the running instance. */
    private int classDepth;
    private boolean perTest;

    /** For {@link ServiceManagerTest} ({@code @ExtendWith}): the defaults, or what the annotation says. */
    public ServiceManagerExtension() {
        this(new Builder(), true);
    }

    private ServiceManagerExtension(Builder builder, boolean declarative) {
        this.adminUsername = builder.adminUsername;
        this.adminPassword = builder.adminPassword;
        this.configuration = builder.configuration;
        this.storeSupplier = builder.storeSupplier;
        this.http = builder.http;
        this.declarative = declarative;
    }

    /** Starts configuring an extension for {@code @RegisterExtension}. */
    public static Builder newInstance() {
        return new Builder();
    }

    /**
     * The running Service Manager's runtime info.
     *
     * @throws IllegalStateException outside the tests it serves
     */
    public synchronized ServiceManagerRuntimeInfo runtimeInfo() {
        if (runtimeInfo == null) {
            throw new IllegalStateException("the Service Manager is not running: it runs during the tests of the "
                    + "class that registers the extension");
        }
        return runtimeInfo;
    }

    /** Shortcut for {@code runtimeInfo().baseUrl()}. */
    public String baseUrl() {
        return runtimeInfo().baseUrl();
    }

    /** Shortcut for {@code runtimeInfo().admin()}. */
    public ApiClient admin() {
        return runtimeInfo().admin();
    }

    /** Shortcut for {@code runtimeInfo().serviceManager()}. */
    public ServiceManager serviceManager() {
        return runtimeInfo().serviceManager();
    }

    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        if (runtimeInfo != null) {
            classDepth++;
            return;
        }
        boolean withHttp = http;
        if (declarative) {
            withHttp = AnnotationSupport.findAnnotation(context.getRequiredTestClass(), ServiceManagerTest.class)
                    .map(ServiceManagerTest::http).orElse(http);
        }
        start(withHttp);
        classDepth = 1;
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) throws Exception {
        if (classDepth > 0 && --classDepth == 0) {
            stop();
        }
    }

    @Override
    public synchronized void beforeEach(ExtensionContext context) {
        if (runtimeInfo == null) {
            // Registered in an instance field: JUnit calls no class callbacks, so one per test.
            start(http);
            perTest = true;
        }
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) throws Exception {
        if (perTest) {
            perTest = false;
            stop();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == ServiceManagerRuntimeInfo.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return runtimeInfo();
    }

    private void start(boolean withHttp) {
        store = Objects.requireNonNull(storeSupplier.get(), "the store supplier returned null");
        try {
            ServiceManager.Builder builder = ServiceManager.builder().store(store)
                    .adminUserWithHash(adminUsername, testHash(adminPassword));
            configuration.accept(builder);
            serviceManager = builder.build();
            String baseUrl = null;
            if (withHttp) {
                server = SmHttpServer.start(serviceManager, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                baseUrl = server.baseUrl();
            }
            runtimeInfo = new ServiceManagerRuntimeInfo(serviceManager, baseUrl, adminUsername, adminPassword);
        } catch (Throwable e) {
            // Whatever failed (an Error from the configuration included), what was started is closed.
            try {
                stop();
            } catch (Throwable suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Closes everything in order; one that fails does not keep the others open. The first failure is thrown. */
    private void stop() throws Exception {
        ServiceManagerRuntimeInfo info = runtimeInfo;
        SmHttpServer httpServer = server;
        ServiceManager manager = serviceManager;
        Store closedStore = store;
        runtimeInfo = null;
        server = null;
        serviceManager = null;
        store = null;
        Throwable failure = null;
        failure = closeQuietly(info == null ? null : info::closeResources, failure);
        failure = closeQuietly(httpServer, failure);
        failure = closeQuietly(manager, failure);
        failure = closeQuietly(closedStore, failure);
        if (failure instanceof Exception e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }

    private static Throwable closeQuietly(AutoCloseable closeable, Throwable failure) {
        if (closeable == null) {
            return failure;
        }
        try {
            closeable.close();
        } catch (Throwable e) {
            if (failure == null) {
                return e;
            }
            failure.addSuppressed(e);
        }
        return failure;
    }

    /** One hash per password and JVM, with few iterations (see the class comment). */
    private static String testHash(String password) {
        return HASHES.computeIfAbsent(password, p -> ServiceManager.Builder.hashPassword(p, TEST_HASH_ITERATIONS));
    }

    @Override
    public synchronized String toString() {
        return "ServiceManagerExtension[" + (runtimeInfo == null ? "stopped" : runtimeInfo) + "]";
    }

    /** Configures a {@link ServiceManagerExtension}. Fails fast on bad values. Not thread-safe. */
    public static final class Builder {
        private String adminUsername = DEFAULT_ADMIN_USERNAME;
        private String adminPassword = DEFAULT_ADMIN_PASSWORD;
        private Consumer<ServiceManager.Builder> configuration = builder -> { };
        private Supplier<? extends Store> storeSupplier = MemoryStore::create;
        private boolean http = true;

        private Builder() {
        }

        /** The administrator the fixture creates and its clients use (default {@code admin} / {@code admin-password}). */
        public Builder adminUser(String username, String password) {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
            if (username.isBlank() || username.contains(":")) {
                throw new IllegalArgumentException("admin user name must be non-blank and without ':', was '"
                        + username + "'");
            }
            if (password.isEmpty()) {
                throw new IllegalArgumentException("admin password must not be empty");
            }
            this.adminUsername = username;
            this.adminPassword = password;
            return this;
        }

        /**
         * Any other option of the Service Manager (clock, timeouts, more users, metrics...), applied
         * after the store and the administrator; several calls apply in order.
         */
        public Builder configure(Consumer<ServiceManager.Builder> configuration) {
            Objects.requireNonNull(configuration, "configuration");
            this.configuration = this.configuration.andThen(configuration);
            return this;
        }

        /**
         * Creates the store for each Service Manager the extension starts (default: a fresh
         * {@link MemoryStore}); the fixture closes it after the Service Manager.
         */
        public Builder store(Supplier<? extends Store> storeSupplier) {
            this.storeSupplier = Objects.requireNonNull(storeSupplier, "storeSupplier");
            return this;
        }

        /**
         * Whether to serve the Service Manager over HTTP on {@code 127.0.0.1} (default yes); without,
         * tests call {@link ServiceManagerRuntimeInfo#handle} or mount it in their own server.
         */
        public Builder http(boolean http) {
            this.http = http;
            return this;
        }

        public ServiceManagerExtension build() {
            return new ServiceManagerExtension(this, false);
        }
    }
}
