/**
 * Runs a packaged jar as users do, {@code java -jar}, in a process of its own
 * ({@link org.servicemanager.test.process.JarProcess}), for tests of the example servers' jars.
 */
package org.servicemanager.test.process;
