/**
 * The registry's REST resources: platforms, service brokers, service offerings and plans,
 * visibilities, plus info and health. Handlers validate input, enforce who sees what, and leave
 * storage semantics to the {@link org.servicemanager.api.store.Store}. Not API.
 */
package org.servicemanager.core.internal.registry;
