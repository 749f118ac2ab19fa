package org.servicemanager.api.query;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param items      the entities of this page, in creation order
 * @param totalItems how many entities match the query in all (not only after the cursor)
 * @param hasMore    whether entities follow this page
 */
public record Page<T>(List<T> items, long totalItems, boolean hasMore) {
    public Page {
        items = List.copyOf(items);
    }
}
