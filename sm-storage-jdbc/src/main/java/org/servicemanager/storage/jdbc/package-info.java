/**
 * The JDBC store: {@link org.servicemanager.storage.jdbc.JdbcStore} keeps the registry in PostgreSQL
 * (production, several Service Manager nodes on one database) or H2 (embedded, single node, file or
 * memory), reached through a {@link javax.sql.DataSource} the host provides. The schema comes with
 * the store as versioned SQL scripts per {@link org.servicemanager.storage.jdbc.Dialect}, applied on
 * start.
 */
package org.servicemanager.storage.jdbc;
