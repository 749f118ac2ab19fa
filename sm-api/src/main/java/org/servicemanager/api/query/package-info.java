/**
 * The query model that stores evaluate: field and label criteria joined by {@code and}, and the
 * paging request and result. Parsing the query language is {@code sm-core}'s job; stores only see
 * these already-validated, typed values. All types are immutable and thread-safe.
 */
package org.servicemanager.api.query;
