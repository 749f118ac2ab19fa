/**
 * The storage SPI. A {@link org.servicemanager.api.store.Store} holds one
 * {@link org.servicemanager.api.store.Repository} per {@link org.servicemanager.api.store.EntityType};
 * each type describes its queryable fields, its unique keys and its references to other types, so a
 * store implements the same constraints and cascades for all of them generically. The semantics are
 * defined by the store contract test kit in {@code sm-test}. {@link
 * org.servicemanager.api.store.ForwardingStore} and {@link
 * org.servicemanager.api.store.ForwardingRepository} are the bases of stores that decorate another.
 */
package org.servicemanager.api.store;
