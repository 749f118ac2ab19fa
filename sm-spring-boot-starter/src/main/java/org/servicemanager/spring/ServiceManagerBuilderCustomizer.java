package org.servicemanager.spring;

import org.servicemanager.core.ServiceManager;

/**
 * Adds to the Service Manager the auto-configuration builds what {@code servicemanager.*} properties
 * do not cover (bearer tokens, metrics, a secret cipher from a key management service, the
 * failed-login limit, ...). Every customizer bean is called, in {@code @Order}, after the properties
 * were applied and before {@link ServiceManager.Builder#build()}. A customizer that sets
 * {@link ServiceManager.Builder#secretCipher} stands in for {@code servicemanager.encryption-key}.
 *
 * <p>Called once, on the thread that starts the application context; implementations need not be
 * thread-safe.
 */
@FunctionalInterface
public interface ServiceManagerBuilderCustomizer {
    /**
     * Changes the builder.
     *
     * @param builder the builder, with the properties already applied
     */
    void customize(ServiceManager.Builder builder);
}
