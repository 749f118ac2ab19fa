/**
 * The transport-neutral HTTP layer: the request pipeline
 * ({@link org.servicemanager.core.internal.http.Dispatcher}), routing, who may call which route
 * ({@link org.servicemanager.core.internal.http.AccessPolicy}), the per-request
 * {@link org.servicemanager.core.internal.http.Call}, body checks, and the single mapping of
 * exceptions to status codes and error bodies. Not API.
 */
package org.servicemanager.core.internal.http;
