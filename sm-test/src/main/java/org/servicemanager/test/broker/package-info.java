/**
 * A fake Open Service Broker on loopback HTTP ({@link org.servicemanager.test.broker.FakeBroker}) and
 * catalog builders ({@link org.servicemanager.test.broker.Catalogs}) for testing the Service
 * Manager's broker-facing side against real HTTP instead of mocks.
 */
package org.servicemanager.test.broker;
