/**
 * The public contract of the Service Manager: the exception hierarchy shared by every module.
 * The model, the query model and the storage SPI live in the sub-packages.
 */
package org.servicemanager.api;
