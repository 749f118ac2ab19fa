/**
 * Multitenancy by a tenant label and protected labels: who a caller's tenant is, which labels a
 * caller may set, and the store view that gives operations and bindings the tenant label of what
 * they belong to. Off unless the host configures a tenant label key. Not API.
 */
package org.servicemanager.core.internal.tenancy;
