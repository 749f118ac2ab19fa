/** Reading and validating OSB catalogs, and applying them to the stored offerings and plans. Not API. */
package org.servicemanager.core.internal.catalog;
