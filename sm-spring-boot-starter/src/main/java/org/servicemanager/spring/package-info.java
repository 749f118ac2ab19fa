/**
 * Spring Boot 3 auto-configuration for the Service Manager:
 * {@link org.servicemanager.spring.ServiceManagerAutoConfiguration} builds a
 * {@link org.servicemanager.core.ServiceManager} on the application's {@code DataSource} (the JDBC
 * store) or in memory, configured by {@link org.servicemanager.spring.ServiceManagerProperties}
 * ({@code servicemanager.*}), and mounts {@code ServiceManagerServlet} in the application's servlet
 * web server. {@link org.servicemanager.spring.ServiceManagerBuilderCustomizer} beans add what the
 * properties do not cover.
 */
package org.servicemanager.spring;
