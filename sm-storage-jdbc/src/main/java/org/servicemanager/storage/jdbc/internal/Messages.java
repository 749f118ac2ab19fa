package org.servicemanager.storage.jdbc.internal;

import java.util.ArrayList;
import java.util.List;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.UniqueKey;

/** The wording of the store's error messages, which clients read; the same as the memory store's. */
final class Messages {
    private Messages() {
    }

    /** "a platform with name 'x' already exists"; "an" before a vowel keeps later types readable. */
    static String alreadyExists(EntityType<?> type, String what) {
        String singular = type.singular();
        String article = "aeiou".indexOf(singular.charAt(0)) >= 0 ? "an " : "a ";
        return article + singular + " with " + what + " already exists";
    }

    /** "name 'x' and platform_id null". */
    static String describe(UniqueKey key, List<Object> values) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            Object value = values.get(i);
            parts.add(key.fields().get(i) + " " + (value == null ? "null" : "'" + value + "'"));
        }
        return String.join(" and ", parts);
    }

    static String notFound(EntityType<?> type, String id) {
        return type.singular() + " '" + id + "' not found";
    }

    static String doesNotExist(EntityType<?> target, Object id) {
        return target.singular() + " '" + id + "' does not exist";
    }

    /** The listed items, then how many more of {@code total} there are, so a message stays short. */
    static String listed(List<String> items, long total) {
        String shown = String.join(", ", items);
        return total > items.size() ? shown + " and " + (total - items.size()) + " more" : shown;
    }
}
