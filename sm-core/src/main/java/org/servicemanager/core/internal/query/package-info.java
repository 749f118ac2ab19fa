/**
 * The listing query language and paging tokens of the REST API, turned into the typed query model
 * of {@code org.servicemanager.api.query}.
 *
 * <p>{@link org.servicemanager.core.internal.query.QueryParser} parses {@code fieldQuery} and
 * {@code labelQuery} texts (the Peripli grammar {@code predicate (and predicate)*}) and checks them
 * against an entity type, so stores only ever see validated, typed criteria.
 * {@link org.servicemanager.core.internal.query.PageTokens} turns a store's
 * {@link org.servicemanager.api.query.Cursor} into the opaque {@code token} of a page and back.
 *
 * <p>Both face untrusted client input: they are linear-time, bounded, and fail only with the API's
 * named 400 exceptions, never with anything a client could use to crash or stall a request. This
 * package is not API: it may change without notice.
 */
package org.servicemanager.core.internal.query;
