/**
 * How {@link org.servicemanager.storage.memory.MemoryStore} works inside: per-type tables with their
 * indexes, query evaluation, constraint checks, cascades and the undo log of transactions. Not API:
 * anything here may change without notice.
 */
package org.servicemanager.storage.memory.internal;
