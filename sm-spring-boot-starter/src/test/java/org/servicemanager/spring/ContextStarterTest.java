package org.servicemanager.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.Base64;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.store.Store;
import org.servicemanager.api.security.BearerTokenVerifier;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.InvalidBearerTokenException;
import org.servicemanager.api.security.VerifiedToken;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.core.SmRequest;
import org.servicemanager.oauth.OidcBearerVerifier;
import org.servicemanager.storage.jdbc.JdbcStore;
import org.servicemanager.storage.memory.MemoryStore;
import org.servicemanager.test.broker.FakeBroker;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@DisplayName("The auto-configuration's beans, conditions and startup failures")
class ContextStarterTest {
    private static final String KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    private final WebApplicationContextRunner web = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ServiceManagerAutoConfiguration.class))
            .withPropertyValues("servicemanager.users.admin.password=admin-secret");

    private final ApplicationContextRunner plain = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ServiceManagerAutoConfiguration.class))
            .withPropertyValues("servicemanager.users.admin.password=admin-secret");

    private static String h2Url() {
        return "jdbc:h2:mem:sm-spring-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }

    private static int status(ServiceManager sm, String method, String path, String user, String password) {
        SmRequest.Builder request = SmRequest.builder(method, path);
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return sm.handle(request.build()).status();
    }

    private static ServletRegistrationBean<?> registration(ApplicationContext context) {
        return (ServletRegistrationBean<?>) context.getBean(ServiceManagerAutoConfiguration.SERVLET_REGISTRATION);
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    @Nested
    @DisplayName("binding")
    class Binding {
        @Test
        @DisplayName("servicemanager.path becomes the servlet's mapping, async-supported")
        void servletMapping() {
            web.withPropertyValues("servicemanager.path=/platform/sm").run(context -> {
                ServletRegistrationBean<?> registration = registration(context);
                assertThat(registration.getUrlMappings()).containsExactly("/platform/sm/*");
                assertThat(registration.isAsyncSupported()).isTrue();
            });
        }

        @Test
        @DisplayName("servicemanager.path=/ mounts the Service Manager over the whole context")
        void rootPath() {
            web.withPropertyValues("servicemanager.path=/").run(context ->
                    assertThat(registration(context).getUrlMappings()).containsExactly("/*"));
        }

        @Test
        @DisplayName("the timeouts and body limit bind to the properties object")
        void timeouts() {
            web.withPropertyValues("servicemanager.broker.connect-timeout=3s", "servicemanager.broker.read-timeout=45s",
                    "servicemanager.max-request-body-size=64KB").run(context -> {
                        ServiceManagerProperties properties = context.getBean(ServiceManagerProperties.class);
                        assertThat(properties.getBroker().getConnectTimeout()).hasSeconds(3);
                        assertThat(properties.getBroker().getReadTimeout()).hasSeconds(45);
                        assertThat(context.getBean(ServiceManager.class).maxRequestBodyBytes()).isEqualTo(64 * 1024);
                    });
        }

        @Test
        @DisplayName("a user given by password hash and role read-only gets in, and may only read")
        void passwordHash() {
            String hash = ServiceManager.Builder.hashPassword("viewer-secret");
            web.withPropertyValues("servicemanager.users.viewer.password-hash=" + hash,
                    "servicemanager.users.viewer.role=read-only").run(context -> {
                        ServiceManager sm = context.getBean(ServiceManager.class);
                        assertThat(status(sm, "GET", "/v1/platforms", "viewer", "viewer-secret")).isEqualTo(200);
                        assertThat(status(sm, "DELETE", "/v1/platforms/x", "viewer", "viewer-secret")).isEqualTo(403);
                        assertThat(status(sm, "GET", "/v1/platforms", "viewer", "wrong")).isEqualTo(401);
                    });
        }

        @Test
        @DisplayName("the properties object never shows the encryption key or passwords")
        void toStringHidesSecrets() {
            web.withPropertyValues("servicemanager.encryption-key=" + KEY).run(context -> assertThat(
                    context.getBean(ServiceManagerProperties.class).toString())
                    .doesNotContain(KEY).doesNotContain("admin-secret").contains("admin"));
        }

        @Test
        @DisplayName("after startup the properties object holds neither the plain passwords nor the encryption key")
        void secretsCleared() {
            web.withPropertyValues("servicemanager.encryption-key=" + KEY,
                    "servicemanager.users.viewer.password=viewer-secret", "servicemanager.users.viewer.role=read-only")
                    .run(context -> {
                        ServiceManagerProperties properties = context.getBean(ServiceManagerProperties.class);
                        assertThat(properties.getEncryptionKey()).isNull();
                        assertThat(properties.getUsers()).containsOnlyKeys("admin", "viewer");
                        assertThat(properties.getUsers().values()).allSatisfy(user -> assertThat(user.getPassword()).isNull());
                        assertThat(properties.getUsers().get("viewer").getRole()).isEqualTo(Role.READ_ONLY);
                        assertThat(properties.toString()).contains("encryptionKey=set");
                    });
        }

        @Test
        @DisplayName("the Service Manager still accepts the passwords cleared from the properties object")
        void clearedPasswordsStillWork() {
            web.withPropertyValues("servicemanager.encryption-key=" + KEY).run(context -> {
                ServiceManager sm = context.getBean(ServiceManager.class);
                assertThat(status(sm, "GET", "/v1/platforms", "admin", "admin-secret")).isEqualTo(200);
                assertThat(status(sm, "GET", "/v1/platforms", "admin", "wrong")).isEqualTo(401);
            });
        }
    }

    @Nested
    @DisplayName("startup failures")
    class Failures {
        @Test
        @DisplayName("a DataSource without servicemanager.encryption-key fails startup, naming the property")
        void missingEncryptionKey() {
            web.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
                    .withPropertyValues("spring.datasource.url=" + h2Url()).run(context -> {
                        assertThat(context).hasFailed();
                        assertThat(rootCause(context.getStartupFailure())).isInstanceOf(IllegalStateException.class)
                                .hasMessageContaining("servicemanager.encryption-key is required")
                                .hasMessageContaining("JdbcStore");
                    });
        }

        @Test
        @DisplayName("no user fails startup, naming servicemanager.users")
        void noUser() {
            new WebApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(ServiceManagerAutoConfiguration.class)).run(context ->
                            assertThat(rootCause(context.getStartupFailure()))
                                    .hasMessageContaining("servicemanager.users.<name>.password"));
        }

        @Test
        @DisplayName("an encryption key of the wrong length fails startup without showing the key")
        void wrongKeyLength() {
            String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
            web.withPropertyValues("servicemanager.encryption-key=" + shortKey).run(context ->
                    assertThat(rootCause(context.getStartupFailure()))
                            .hasMessageContaining("servicemanager.encryption-key must be base64 of 32 bytes, was 16")
                            .hasMessageNotContaining(shortKey));
        }

        @Test
        @DisplayName("an encryption key that is not base64 fails startup without showing it")
        void keyNotBase64() {
            web.withPropertyValues("servicemanager.encryption-key=not base64 at all!").run(context ->
                    assertThat(rootCause(context.getStartupFailure()))
                            .hasMessage("servicemanager.encryption-key is not valid base64"));
        }

        @Test
        @DisplayName("a user with both a password and a hash fails startup, naming the user")
        void passwordAndHash() {
            web.withPropertyValues("servicemanager.users.admin.password-hash="
                    + ServiceManager.Builder.hashPassword("x")).run(context ->
                            assertThat(rootCause(context.getStartupFailure()))
                                    .hasMessageContaining("servicemanager.users.admin needs exactly one of password "
                                            + "and password-hash, had both"));
        }

        @Test
        @DisplayName("servicemanager.oidc.issuer-url without an audience fails startup, naming the property")
        void oidcWithoutAudience() {
            web.withPropertyValues("servicemanager.oidc.issuer-url=http://127.0.0.1:1").run(context ->
                    assertThat(rootCause(context.getStartupFailure()))
                            .hasMessageContaining("servicemanager.oidc.audience is required"));
        }

        @Test
        @DisplayName("a blank servicemanager.oidc.issuer-url (an unset ${VAR:}) counts as unset: the start succeeds with users")
        void blankIssuerUrl() {
            web.withPropertyValues("servicemanager.oidc.issuer-url=  ").run(context -> {
                assertThat(context).hasNotFailed();
                assertThat(context).doesNotHaveBean(BearerTokenVerifier.class);
                assertThat(status(context.getBean(ServiceManager.class), "GET", "/v1/platforms", "admin",
                        "admin-secret")).isEqualTo(200);
            });
        }

        @Test
        @DisplayName("two BearerTokenVerifier beans, none @Primary, fail startup saying there are several")
        void twoVerifiers() {
            web.withBean("firstVerifier", BearerTokenVerifier.class, RefusingVerifier::new)
                    .withBean("secondVerifier", BearerTokenVerifier.class, RefusingVerifier::new)
                    .withPropertyValues("servicemanager.oidc.issuer-url=http://127.0.0.1:1")
                    .run(context -> assertThat(rootCause(context.getStartupFailure()))
                            .isInstanceOf(ServiceManagerPropertiesException.class)
                            .hasMessageContaining("2 BearerTokenVerifier beans")
                            .hasMessageNotContaining("sm-oauth"));
        }

        @Test
        @DisplayName("an OpenID Connect issuer that cannot be reached fails startup, naming servicemanager.oidc")
        void oidcUnreachable() throws Exception {
            int closedPort;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closedPort = socket.getLocalPort();
            }
            web.withPropertyValues("servicemanager.oidc.issuer-url=http://127.0.0.1:" + closedPort,
                    "servicemanager.oidc.audience=service-manager").run(context ->
                            assertThat(rootCause(context.getStartupFailure()))
                                    .isInstanceOf(ServiceManagerPropertiesException.class)
                                    .hasMessageStartingWith("servicemanager.oidc: "));
        }

        @Test
        @DisplayName("servicemanager.store=jdbc without a DataSource fails startup, saying what is missing")
        void jdbcWithoutDataSource() {
            web.withPropertyValues("servicemanager.store=jdbc").run(context ->
                    assertThat(rootCause(context.getStartupFailure()))
                            .hasMessageContaining("servicemanager.store=jdbc needs a single DataSource bean"));
        }

        @Test
        @DisplayName("a DataSource the JDBC store cannot use fails startup, pointing to servicemanager.store=memory")
        void unusableDataSource() {
            JdbcDataSource unreachable = new JdbcDataSource();
            unreachable.setURL("jdbc:h2:tcp://127.0.0.1:1/nothing");
            web.withBean(DataSource.class, () -> unreachable).withPropertyValues("servicemanager.encryption-key=" + KEY)
                    .run(context -> assertThat(context.getStartupFailure())
                            .hasStackTraceContaining("ServiceManagerPropertiesException: the JDBC store cannot be built "
                                    + "on the application's DataSource (cannot connect to detect the database")
                            .hasStackTraceContaining("set servicemanager.store=memory to keep the registry in memory"));
        }

        @Test
        @DisplayName("a servicemanager.path without a leading slash fails startup")
        void relativePath() {
            web.withPropertyValues("servicemanager.path=sm").run(context ->
                    assertThat(rootCause(context.getStartupFailure()))
                            .hasMessageContaining("servicemanager.path must start with '/', was 'sm'"));
        }

        @Test
        @DisplayName("a non-positive broker timeout fails startup, naming the property group")
        void zeroTimeout() {
            web.withPropertyValues("servicemanager.broker.read-timeout=0s").run(context ->
                    assertThat(rootCause(context.getStartupFailure()))
                            .hasMessageContaining("servicemanager.broker.")
                            .hasMessageContaining("brokerReadTimeout must be positive"));
        }
    }

    @Nested
    @DisplayName("conditions")
    class Conditions {
        @Test
        @DisplayName("servicemanager.enabled=false builds nothing")
        void disabled() {
            web.withPropertyValues("servicemanager.enabled=false").run(context -> {
                assertThat(context).hasNotFailed();
                assertThat(context).doesNotHaveBean(ServiceManager.class).doesNotHaveBean(Store.class)
                        .doesNotHaveBean(ServiceManagerAutoConfiguration.SERVLET_REGISTRATION);
            });
        }

        @Test
        @DisplayName("outside a servlet web application the Service Manager is built but no servlet registered")
        void notAWebApplication() {
            plain.run(context -> {
                assertThat(context).hasSingleBean(ServiceManager.class);
                assertThat(context).doesNotHaveBean(ServiceManagerAutoConfiguration.SERVLET_REGISTRATION);
            });
        }

        @Test
        @DisplayName("without sm-storage-jdbc on the classpath, an application with a DataSource gets a memory store")
        void withoutJdbcModule() {
            JdbcDataSource dataSource = new JdbcDataSource();
            dataSource.setURL(h2Url());
            web.withClassLoader(new FilteredClassLoader(JdbcStore.class)).withBean(DataSource.class, () -> dataSource)
                    .run(context -> assertThat(context.getBean(Store.class)).isInstanceOf(MemoryStore.class));
        }

        @Test
        @DisplayName("servicemanager.oidc.issuer-url without sm-oauth on the classpath fails startup, saying so")
        void oidcWithoutModule() {
            web.withClassLoader(new FilteredClassLoader(OidcBearerVerifier.class))
                    .withPropertyValues("servicemanager.oidc.issuer-url=https://issuer.example.com",
                            "servicemanager.oidc.audience=service-manager")
                    .run(context -> assertThat(rootCause(context.getStartupFailure()))
                            .hasMessageContaining("servicemanager.oidc.issuer-url is set, but sm-oauth"));
        }

        @Test
        @DisplayName("servicemanager.store=memory keeps the registry in memory even with a DataSource")
        void memoryDespiteDataSource() {
            JdbcDataSource dataSource = new JdbcDataSource();
            dataSource.setURL(h2Url());
            web.withBean(DataSource.class, () -> dataSource).withPropertyValues("servicemanager.store=memory")
                    .run(context -> assertThat(context.getBean(Store.class)).isInstanceOf(MemoryStore.class));
        }

        @Test
        @DisplayName("without a DataSource the store is a memory store")
        void memoryWithoutDataSource() {
            web.run(context -> assertThat(context.getBean(Store.class)).isInstanceOf(MemoryStore.class));
        }

        @Test
        @DisplayName("closing the context closes the store but leaves the application's DataSource open")
        void closing() throws Exception {
            JdbcDataSource dataSource = new JdbcDataSource();
            dataSource.setURL(h2Url());
            Store[] store = new Store[1];
            web.withBean(DataSource.class, () -> dataSource).withPropertyValues("servicemanager.encryption-key=" + KEY)
                    .run(context -> {
                        store[0] = context.getBean(Store.class);
                        assertThat(store[0]).isInstanceOf(JdbcStore.class);
                        store[0].ping();
                    });
            assertThatThrownBy(store[0]::ping);
            try (Connection connection = dataSource.getConnection()) {
                assertThat(connection.isValid(1)).isTrue();
            }
        }
    }

    @Test
    @DisplayName("closing the context closes the Service Manager: it calls no broker afterwards")
    void closesServiceManager() {
        try (FakeBroker broker = FakeBroker.start()) {
            ServiceManager[] sm = new ServiceManager[1];
            web.withUserConfiguration(StoreNobodyCloses.class).run(context -> {
                sm[0] = context.getBean(ServiceManager.class);
                assertThat(sm[0].store()).isSameAs(context.getBean("storeNobodyCloses"));
            });
            SmRequest register = SmRequest.builder("POST", "/v1/service_brokers")
                    .header("Authorization", "Basic " + Base64.getEncoder()
                            .encodeToString("admin:admin-secret".getBytes(StandardCharsets.UTF_8)))
                    .header("Content-Type", "application/json")
                    .body(("{\"name\":\"late\",\"broker_url\":\"" + broker.url() + "\",\"credentials\":{\"basic\":"
                            + "{\"username\":\"u\",\"password\":\"p\"}}}").getBytes(StandardCharsets.UTF_8))
                    .build();
            int status;
            try {
                status = sm[0].handle(register).status();
            } catch (RuntimeException refused) {
                status = -1;
            }
            assertThat(status).isNotEqualTo(201);
            assertThat(broker.catalogCalls()).isZero();
        }
    }

    /** A store the context does not close, so that only the Service Manager's own closing is seen. */
    @Configuration(proxyBeanMethods = false)
    static class StoreNobodyCloses {
        @Bean(destroyMethod = "")
        Store storeNobodyCloses() {
            return new MemoryStore();
        }
    }

    @Nested
    @DisplayName("the host's own beans")
    class Overrides {
        @Test
        @DisplayName("a host's ServiceManager bean makes the auto-configured one and its store back off")
        void serviceManagerOverride() {
            web.withUserConfiguration(HostServiceManager.class).run(context -> {
                assertThat(context).hasSingleBean(ServiceManager.class);
                assertThat(context).doesNotHaveBean("serviceManagerStore");
                ServiceManager sm = context.getBean(ServiceManager.class);
                assertThat(status(sm, "GET", "/v1/platforms", "host-admin", "host-secret")).isEqualTo(200);
                assertThat(status(sm, "GET", "/v1/platforms", "admin", "admin-secret")).isEqualTo(401);
            });
        }

        @Test
        @DisplayName("a host's Store bean is the one the auto-configured Service Manager uses")
        void storeOverride() {
            MemoryStore own = new MemoryStore();
            web.withBean("hostStore", Store.class, () -> own).run(context -> {
                assertThat(context).doesNotHaveBean("serviceManagerStore");
                assertThat(context.getBean(ServiceManager.class).store()).isSameAs(own);
            });
        }

        @Test
        @DisplayName("a ServiceManagerBuilderCustomizer bean adds to what the properties configured")
        void customizer() {
            web.withBean(ServiceManagerBuilderCustomizer.class,
                    () -> builder -> builder.adminUser("from-customizer", "customizer-secret")).run(context -> {
                        ServiceManager sm = context.getBean(ServiceManager.class);
                        assertThat(status(sm, "GET", "/v1/platforms", "from-customizer", "customizer-secret"))
                                .isEqualTo(200);
                        assertThat(status(sm, "GET", "/v1/platforms", "admin", "admin-secret")).isEqualTo(200);
                    });
        }

        @Test
        @DisplayName("a host's registration bean of the same name replaces the auto-configured servlet mount")
        void registrationOverride() {
            web.withUserConfiguration(HostRegistration.class).run(context ->
                    assertThat(registration(context).getUrlMappings()).containsExactly("/mine/*"));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class HostServiceManager {
        @Bean
        ServiceManager hostServiceManager() {
            return ServiceManager.builder().store(new MemoryStore()).adminUser("host-admin", "host-secret").build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class HostRegistration {
        @Bean(name = ServiceManagerAutoConfiguration.SERVLET_REGISTRATION)
        ServletRegistrationBean<ServiceManagerServletStandIn> registration() {
            return new ServletRegistrationBean<>(new ServiceManagerServletStandIn(), "/mine/*");
        }
    }

    /** Any servlet will do: the test checks which registration survives. */
    static final class ServiceManagerServletStandIn extends jakarta.servlet.http.HttpServlet {
        private static final long serialVersionUID = 1L;
    }

    /** A verifier of the application's own, which accepts no token. */
    static final class RefusingVerifier implements BearerTokenVerifier {
        @Override
        public VerifiedToken verify(String token) {
            throw new InvalidBearerTokenException("this application accepts no token");
        }

        @Override
        public String issuerUrl() {
            return "http://127.0.0.1:1";
        }
    }
}
