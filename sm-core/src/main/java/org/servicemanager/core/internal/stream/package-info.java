/**
 * The reading side of notifications: a hub per Service Manager that polls the store's
 * notification log by revision (so changes committed by any node reach every node's proxies) and
 * fans them out to the open {@link org.servicemanager.core.NotificationStream}s of the matching
 * platforms, each with a bounded queue (a broker's notification cut per platform to the plans it
 * may see); plus retention clean-up and the platforms' proxy activity.
 * Transport-agnostic: a WebSocket adapter only moves frames. Not API.
 */
package org.servicemanager.core.internal.stream;
