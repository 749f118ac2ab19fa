/**
 * A fake Open Service Broker on loopback HTTP ({@link org.servicemanager.test.broker.FakeBroker}),
 * the in-memory service behind its instance and binding endpoints
 * ({@link org.servicemanager.test.broker.FakeOsbService}: synchronous and asynchronous modes, error
 * modes) and catalog builders ({@link org.servicemanager.test.broker.Catalogs}) for testing the
 * Service Manager's broker-facing side against real HTTP instead of mocks.
 */
package org.servicemanager.test.broker;
