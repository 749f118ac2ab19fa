/**
 * The proxy's machinery, not API: the Service Manager REST client, the notification stream, the
 * model of what the platform should have, the reconciler, and the engine that runs them on one
 * thread. Types here may change without notice.
 */
package org.servicemanager.proxy.internal;
