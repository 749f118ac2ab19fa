/**
 * The public model: immutable records for every resource the Service Manager keeps. All types
 * here are immutable and therefore thread-safe. Records that hold secrets redact them in
 * {@code toString()}.
 */
package org.servicemanager.api.model;
