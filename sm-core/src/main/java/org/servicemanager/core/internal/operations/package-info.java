/**
 * The Service Manager as a platform: operations on service instances and bindings that it makes
 * itself toward the brokers, kept in the store and carried on by a scheduler that any node can run
 * (polling {@code last_operation}, fetching binding credentials, orphan mitigation, cascades,
 * retention). See PLATFORM.md and OSB.md ("Facing brokers").
 */
package org.servicemanager.core.internal.operations;
