package org.servicemanager.spring;

import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.servicemanager.api.security.BearerTokenVerifier;
import org.servicemanager.api.store.Store;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.servlet.ServiceManagerServlet;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Builds a {@link ServiceManager} from {@code servicemanager.*} properties and serves it in the
 * application's servlet web server:
 *
 * <ul>
 *   <li>a {@link Store}: the JDBC store on the application's {@code DataSource} when there is one
 *       (and {@code sm-storage-jdbc} is on the classpath; its schema is applied at startup), otherwise
 *       a memory store;</li>
 *   <li>the {@link ServiceManager} on it, with the configured users, encryption key, broker timeouts
 *       and body limit, then every {@link ServiceManagerBuilderCustomizer}; closed when the context
 *       closes (the store after it; the {@code DataSource} stays the application's);</li>
 *   <li>bearer tokens of the OpenID Connect issuer at {@code servicemanager.oidc.issuer-url} (with
 *       {@code sm-oauth} on the classpath), or of the application's own {@link BearerTokenVerifier}
 *       bean;</li>
 *   <li>a {@link ServiceManagerServlet} at {@code servicemanager.path}, async-supported. The
 *       notifications WebSocket works where the web server has Jakarta WebSocket support, which
 *       Spring Boot turns on for its embedded Tomcat ({@code tomcat-embed-websocket}).</li>
 * </ul>
 *
 * <p>Each bean backs off when the application defines its own: a {@code Store} or a
 * {@code ServiceManager} bean, or a registration bean named {@value #SERVLET_REGISTRATION}. Off
 * entirely with {@code servicemanager.enabled=false}.
 *
 * <p>Spring calls it while the context starts, on one thread; the beans it makes are thread-safe.
 */
@AutoConfiguration(afterName = "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration")
@ConditionalOnClass(ServiceManager.class)
@ConditionalOnProperty(prefix = "servicemanager", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(ServiceManagerProperties.class)
// In this order: the JDBC store is the first choice. The store configurations live in another class
// because Spring processes a configuration's own nested classes in no defined order.
@Import({StoreConfigurations.Jdbc.class, StoreConfigurations.Memory.class, OidcConfiguration.class})
public final class ServiceManagerAutoConfiguration {
    /** The bean name of the servlet's registration; define a bean of that name to register it yourself. */
    public static final String SERVLET_REGISTRATION = "serviceManagerServletRegistration";

    private static final int KEY_BYTES = 32;

    /** For Spring. */
    public ServiceManagerAutoConfiguration() {
    }

    /**
     * The Service Manager. Spring closes it when the context closes (its inferred {@code close}
     * destroy method), before the store it depends on.
     *
     * @throws ServiceManagerPropertiesException naming the property, when one is missing or wrong
     */
    @Bean
    @ConditionalOnMissingBean
    ServiceManager serviceManager(Store serviceManagerStore, ServiceManagerProperties properties,
            ObjectProvider<BearerTokenVerifier> bearerTokens,
            ObjectProvider<ServiceManagerBuilderCustomizer> customizers) {
        boolean jdbcRequired = properties.getStore() == ServiceManagerProperties.StoreType.JDBC;
        if (jdbcRequired && !serviceManagerStore.supportsPersistence()) {
            throw new ServiceManagerPropertiesException("servicemanager.store=jdbc needs a single DataSource bean and "
                    + "sm-storage-jdbc (org.servicemanager:sm-storage-jdbc) on the classpath; the store is "
                    + serviceManagerStore.getClass().getSimpleName());
        }
        ServiceManager.Builder builder = ServiceManager.builder().store(serviceManagerStore);
        List<ServiceManagerBuilderCustomizer> ordered = customizers.orderedStream().toList();
        BearerTokenVerifier verifier = bearerTokens.getIfUnique();
        if (verifier == null) {
            long count = bearerTokens.stream().count();
            if (count > 1) {
                // Picking one would be a guess, and ignoring all would leave every token refused.
                throw new ServiceManagerPropertiesException("there are " + count + " BearerTokenVerifier beans and "
                        + "none is @Primary: keep one, or mark the one the Service Manager should use @Primary");
            }
        }
        String issuerUrl = properties.getOidc().getIssuerUrl();
        if (verifier == null && issuerUrl != null && !issuerUrl.isBlank()) {
            // Only possible without sm-oauth: ignoring the setting would leave every token refused, silently.
            throw new ServiceManagerPropertiesException("servicemanager.oidc.issuer-url is set, but sm-oauth "
                    + "(org.servicemanager:sm-oauth) is not on the classpath: add it, or remove the property");
        }
        if (verifier != null) {
            builder.bearerTokens(verifier);
        }
        // Bearer tokens, or a customizer (which may bring them), let a Service Manager do without users.
        applyUsers(builder, properties.getUsers(), ordered.isEmpty() && verifier == null);
        applyEncryptionKey(builder, properties.getEncryptionKey(), serviceManagerStore, ordered.isEmpty());
        ServiceManagerProperties.Broker broker = properties.getBroker();
        try {
            if (broker.getConnectTimeout() != null) {
                builder.brokerConnectTimeout(broker.getConnectTimeout());
            }
            if (broker.getReadTimeout() != null) {
                builder.brokerReadTimeout(broker.getReadTimeout());
            }
            if (properties.getMaxRequestBodySize() != null) {
                builder.maxRequestBodyBytes(properties.getMaxRequestBodySize().toBytes());
            }
        } catch (IllegalArgumentException e) {
            // The builder names its own setting; say which property that is.
            throw new ServiceManagerPropertiesException("servicemanager.broker.* or "
                    + "servicemanager.max-request-body-size: " + e.getMessage());
        }
        ordered.forEach(customizer -> customizer.customize(builder));
        ServiceManager serviceManager = builder.build();
        // The Service Manager holds the hashes and its own copy of the key now; the properties bean,
        // which lives as long as the context and which actuator can show, should not keep the plain values.
        properties.clearSecrets();
        return serviceManager;
    }

    private static void applyUsers(ServiceManager.Builder builder, Map<String, ServiceManagerProperties.User> users,
            boolean usersRequired) {
        if (users.isEmpty() && usersRequired) {
            throw new ServiceManagerPropertiesException("no Service Manager user is configured: set "
                    + "servicemanager.users.<name>.password (or .password-hash), e.g. "
                    + "servicemanager.users.admin.password=${SM_ADMIN_PASSWORD}");
        }
        users.forEach((name, user) -> {
            boolean hasPassword = user.getPassword() != null && !user.getPassword().isEmpty();
            boolean hasHash = user.getPasswordHash() != null && !user.getPasswordHash().isEmpty();
            if (hasPassword == hasHash) {
                throw new ServiceManagerPropertiesException("servicemanager.users." + name
                        + " needs exactly one of password and password-hash, "
                        + (hasPassword ? "had both" : "had neither"));
            }
            try {
                if (hasPassword) {
                    builder.user(name, user.getPassword(), user.getRole());
                } else {
                    builder.userWithHash(name, user.getPasswordHash(), user.getRole());
                }
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new ServiceManagerPropertiesException("servicemanager.users." + name + ": " + e.getMessage());
            }
        });
    }

    private static void applyEncryptionKey(ServiceManager.Builder builder, String base64, Store store,
            boolean noCustomizers) {
        if (base64 == null || base64.isBlank()) {
            if (store.supportsPersistence() && noCustomizers) {
                throw new ServiceManagerPropertiesException("servicemanager.encryption-key is required with the "
                        + "persistent " + store.getClass().getSimpleName() + " (on the application's DataSource): "
                        + "it encrypts the broker credentials kept there. Set it to base64 of " + KEY_BYTES
                        + " random bytes (e.g. openssl rand -base64 32), kept with the application's secrets");
            }
            return;
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            // The value is a secret: the message names the property, never the value.
            throw new ServiceManagerPropertiesException("servicemanager.encryption-key is not valid base64");
        }
        if (key.length != KEY_BYTES) {
            throw new ServiceManagerPropertiesException("servicemanager.encryption-key must be base64 of " + KEY_BYTES
                    + " bytes, was " + key.length + " bytes");
        }
        builder.encryptionKey(key);
        // The cipher keeps its own copy.
        Arrays.fill(key, (byte) 0);
    }

    /** Mounts the servlet; only in a servlet web application. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = "jakarta.servlet.Servlet")
    static final class ServletConfiguration {
        @Bean(name = SERVLET_REGISTRATION)
        @ConditionalOnMissingBean(name = SERVLET_REGISTRATION)
        ServletRegistrationBean<ServiceManagerServlet> serviceManagerServletRegistration(ServiceManager serviceManager,
                ServiceManagerProperties properties) {
            ServletRegistrationBean<ServiceManagerServlet> registration = new ServletRegistrationBean<>(
                    new ServiceManagerServlet(serviceManager), urlMapping(properties.getPath()));
            registration.setName("serviceManagerServlet");
            // Broker calls complete on other threads; without async support each would hold a Tomcat thread.
            registration.setAsyncSupported(true);
            registration.setLoadOnStartup(1);
            return registration;
        }
    }

    /** "/sm" and "/sm/" become "/sm/*"; "/" and "" become "/*". */
    static String urlMapping(String path) {
        String p = path == null ? "" : path.strip();
        if (!p.isEmpty() && !p.startsWith("/")) {
            throw new ServiceManagerPropertiesException("servicemanager.path must start with '/', was '" + path + "'");
        }
        if (p.contains("*") || p.contains("?") || p.contains("#") || p.contains("//")) {
            throw new ServiceManagerPropertiesException("servicemanager.path must be a plain path like /sm, was '"
                    + path + "'");
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p + "/*";
    }
}
