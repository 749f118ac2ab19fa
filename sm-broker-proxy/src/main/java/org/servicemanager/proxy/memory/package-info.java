/**
 * An in-memory {@link org.servicemanager.proxy.Platform} for tests and examples: it keeps broker
 * registrations and plan access in maps and, like a real platform, fetches each broker's catalog.
 */
package org.servicemanager.proxy.memory;
