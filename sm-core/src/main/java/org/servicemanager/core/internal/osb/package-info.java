/**
 * The central broker: the OSB API that platforms call at {@code /v1/osb/{broker_id}}. It answers
 * the catalog from storage, checks every call (API version, visibility, ownership, plan
 * capabilities) before the broker sees it ({@code OsbChecks}), forwards it with the broker's own
 * credentials ({@code OsbForwarder}), and tracks the instances and bindings from the broker's
 * answers ({@code OsbRecords}); {@code OsbApi} strings these together per OSB verb. Not API.
 */
package org.servicemanager.core.internal.osb;
