/**
 * The registry's REST resources: platforms, service brokers, service offerings and plans,
 * visibilities, service instances and bindings, operations, plus info, health and the OpenAPI
 * document. Handlers
 * validate input, enforce who sees what, and leave storage semantics to the
 * {@link org.servicemanager.api.store.Store}; what instances and bindings need of a broker they
 * ask of {@link org.servicemanager.core.internal.registry.PlatformOperations}. Not API.
 */
package org.servicemanager.core.internal.registry;
