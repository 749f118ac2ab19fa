/**
 * The Cloud Foundry {@link org.servicemanager.proxy.Platform}: {@link
 * org.servicemanager.proxy.cf.CloudFoundryPlatform} registers brokers and sets plan visibility
 * through the Cloud Controller's v3 API, authenticated as a UAA client.
 */
package org.servicemanager.proxy.cf;
