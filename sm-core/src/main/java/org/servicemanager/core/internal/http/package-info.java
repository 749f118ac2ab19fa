/**
 * The transport-neutral HTTP layer: routing, the per-request {@link org.servicemanager.core.internal.http.Call},
 * body checks, and the single mapping of exceptions to status codes and error bodies. Not API.
 */
package org.servicemanager.core.internal.http;
