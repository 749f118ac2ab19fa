/**
 * The notifications for Service Broker Proxies, written where the registry is written: a store
 * view that turns every change of a service broker (its catalog included) or a visibility into a
 * {@link org.servicemanager.api.model.Notification} appended in the same transaction, and the
 * request's correlation id they carry. Its own package because both the request pipeline
 * ({@code http}, which knows the correlation id) and the resources ({@code registry}) reach it,
 * and it needs only the JSON form of the resources. Not API.
 */
package org.servicemanager.core.internal.notify;
