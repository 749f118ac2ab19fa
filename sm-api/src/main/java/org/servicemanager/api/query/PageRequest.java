package org.servicemanager.api.query;

/**
 * Which page to list: at most {@code maxItems} entities after {@code after} ({@code null} for the
 * first page), in creation order.
 */
public record PageRequest(int maxItems, Cursor after) {
    public PageRequest {
        if (maxItems < 0) {
            throw new IllegalArgumentException("maxItems must not be negative, was " + maxItems);
        }
    }

    public static PageRequest first(int maxItems) {
        return new PageRequest(maxItems, null);
    }

    /** Everything at once; for internal use where the result is known to be small. */
    public static PageRequest unbounded() {
        return new PageRequest(Integer.MAX_VALUE, null);
    }
}
