/**
 * The registry's change revision and the caches keyed by it. Its own package because both the
 * registry resources and authentication (platform credentials) cache what they read from the
 * registry: neither should depend on the other for that. Not API.
 */
package org.servicemanager.core.internal.revision;
