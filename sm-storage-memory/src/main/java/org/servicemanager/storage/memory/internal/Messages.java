package org.servicemanager.storage.memory.internal;

import java.util.List;
import org.servicemanager.api.store.EntityType;

/** The wording of the store's error messages, which clients read. */
final class Messages {
    private Messages() {
    }

    /** "a platform with name 'x' already exists"; "an" before a vowel keeps later types readable. */
    static String alreadyExists(EntityType<?> type, String what) {
        String singular = type.singular();
        String article = "aeiou".indexOf(singular.charAt(0)) >= 0 ? "an " : "a ";
        return article + singular + " with " + what + " already exists";
    }

    static String notFound(EntityType<?> type, String id) {
        return type.singular() + " '" + id + "' not found";
    }

    /** The first {@code limit} items, then how many more, so a message stays short. */
    static String listed(List<String> items, int limit) {
        if (items.size() <= limit) {
            return String.join(", ", items);
        }
        return String.join(", ", items.subList(0, limit)) + " and " + (items.size() - limit) + " more";
    }
}
