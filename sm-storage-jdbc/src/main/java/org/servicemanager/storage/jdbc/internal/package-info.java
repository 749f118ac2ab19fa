/**
 * How {@link org.servicemanager.storage.jdbc.JdbcStore} works inside: the mapping of each entity type to
 * its table, the translation of queries to SQL, connection and transaction handling, error
 * translation and the migration runner. Not API: anything here may change without notice.
 */
package org.servicemanager.storage.jdbc.internal;
