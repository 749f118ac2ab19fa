/**
 * How {@link org.servicemanager.proxy.cf.CloudFoundryPlatform} talks to Cloud Foundry: the UAA
 * client-credentials token cache, and the Cloud Controller client with its error mapping,
 * pagination and job polling. Not API: may change in any release.
 */
package org.servicemanager.proxy.cf.internal;
