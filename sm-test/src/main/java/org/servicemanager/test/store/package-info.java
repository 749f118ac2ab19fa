/**
 * The store contract test kit: {@link org.servicemanager.test.store.StoreContractTest} states, as
 * executable tests, what every {@link org.servicemanager.api.store.Store} must do; a store passes it
 * by running a subclass that only says how to create an empty store. {@link
 * org.servicemanager.test.store.Fixtures} builds valid entities for it and for other tests.
 */
package org.servicemanager.test.store;
