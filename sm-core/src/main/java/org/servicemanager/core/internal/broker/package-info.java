/** The one HTTP client for outbound OSB calls: credentials, TLS client certificates, timeouts, size limits. Not API. */
package org.servicemanager.core.internal.broker;
