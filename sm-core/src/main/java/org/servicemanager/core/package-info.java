/**
 * The embedding API: {@link org.servicemanager.core.ServiceManager} and its builder, and the
 * transport-neutral request and response ({@link org.servicemanager.core.SmRequest},
 * {@link org.servicemanager.core.SmResponse}) that adapters translate to and from. Everything in
 * {@code internal} packages is not API.
 */
package org.servicemanager.core;
