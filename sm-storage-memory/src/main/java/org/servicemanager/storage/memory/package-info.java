/**
 * The in-memory store: {@link org.servicemanager.storage.memory.MemoryStore} keeps every entity in the
 * heap of the process. It is meant for tests, fixtures and single-process trials where losing the data
 * at exit is fine; the JDBC store is the one for anything that must survive a restart.
 */
package org.servicemanager.storage.memory;
