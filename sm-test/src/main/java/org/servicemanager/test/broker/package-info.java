/**
 * Brokers for tests of the Service Manager's broker-facing side against real HTTP instead of
 * mocks: {@link org.servicemanager.test.broker.BrokerStub}, a WireMock server with OSB helpers
 * (synchronous, asynchronous with {@code last_operation}, errors, delays) whose requests are checked
 * with WireMock's own {@code verify}; a hand-written fake broker
 * ({@link org.servicemanager.test.broker.FakeBroker}) with the stateful service behind its
 * instance and binding endpoints ({@link org.servicemanager.test.broker.FakeOsbService}); and
 * catalog builders ({@link org.servicemanager.test.broker.Catalogs}).
 */
package org.servicemanager.test.broker;
