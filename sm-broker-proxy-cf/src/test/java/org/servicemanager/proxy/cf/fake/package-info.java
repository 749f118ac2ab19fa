/**
 * A fake Cloud Foundry (Cloud Controller v3 and UAA) on loopback, built on WireMock, for tests of
 * the Cloud Foundry platform and of the proxy end to end. Published in this module's test jar.
 * Start with {@link org.servicemanager.proxy.cf.fake.FakeCloudFoundry#start()}.
 */
package org.servicemanager.proxy.cf.fake;
