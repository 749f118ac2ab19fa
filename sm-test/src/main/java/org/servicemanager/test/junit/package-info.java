/**
 * The JUnit 5 fixture: {@link org.servicemanager.test.junit.ServiceManagerExtension} (programmatic,
 * {@code @RegisterExtension}) and {@link org.servicemanager.test.junit.ServiceManagerTest}
 * (declarative) start a Service Manager per class or per test and inject
 * {@link org.servicemanager.test.junit.ServiceManagerRuntimeInfo}: base URL, administrator client,
 * direct calls, and factories for platforms and WireMock broker stubs.
 */
package org.servicemanager.test.junit;
