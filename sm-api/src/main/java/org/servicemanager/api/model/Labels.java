package org.servicemanager.api.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * An immutable multimap of label keys to their values. Keys are kept sorted; the values of a key
 * are unique and keep their insertion order. A key never maps to an empty list: removing its
 * last value removes the key. Immutable and thread-safe.
 */
public final class Labels {
    private static final Labels EMPTY = new Labels(Collections.emptyMap());

    private final Map<String, List<String>> map;

    private Labels(Map<String, List<String>> map) {
        this.map = map;
    }

    public static Labels empty() {
        return EMPTY;
    }

    /** Copies {@code source}, dropping duplicate values and keys without values. */
    public static Labels of(Map<String, ? extends Collection<String>> source) {
        Objects.requireNonNull(source, "labels");
        if (source.isEmpty()) {
            return EMPTY;
        }
        TreeMap<String, List<String>> copy = new TreeMap<>();
        source.forEach((key, values) -> {
            Objects.requireNonNull(key, "label key");
            List<String> unique = List.copyOf(new LinkedHashSet<>(values));
            if (!unique.isEmpty()) {
                copy.put(key, unique);
            }
        });
        return copy.isEmpty() ? EMPTY : new Labels(Collections.unmodifiableMap(copy));
    }

    /** A single key with the given values. */
    public static Labels of(String key, String... values) {
        return of(Map.of(key, List.of(values)));
    }

    public boolean isEmpty() {
        return map.isEmpty();
    }

    /** The values of {@code key}, or an empty list. */
    public List<String> get(String key) {
        return map.getOrDefault(key, List.of());
    }

    public boolean containsKey(String key) {
        return map.containsKey(key);
    }

    public Set<String> keys() {
        return map.keySet();
    }

    /** An unmodifiable view, sorted by key. */
    public Map<String, List<String>> asMap() {
        return map;
    }

    /** Sets {@code key} to exactly {@code values} (the spec's {@code add} operation). */
    public Labels with(String key, Collection<String> values) {
        TreeMap<String, List<String>> copy = new TreeMap<>(map);
        copy.put(key, new ArrayList<>(values));
        return of(copy);
    }

    /** Appends values to {@code key}, creating it if needed; present values are kept once. */
    public Labels withValues(String key, Collection<String> values) {
        List<String> merged = new ArrayList<>(get(key));
        merged.addAll(values);
        return with(key, merged);
    }

    /** Removes {@code key} with all its values. */
    public Labels without(String key) {
        if (!map.containsKey(key)) {
            return this;
        }
        TreeMap<String, List<String>> copy = new TreeMap<>(map);
        copy.remove(key);
        return of(copy);
    }

    /** Removes the given values of {@code key}; the key goes when no value is left. */
    public Labels withoutValues(String key, Collection<String> values) {
        List<String> kept = new ArrayList<>(get(key));
        kept.removeAll(values);
        return kept.isEmpty() ? without(key) : with(key, kept);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Labels other && map.equals(other.map);
    }

    @Override
    public int hashCode() {
        return map.hashCode();
    }

    @Override
    public String toString() {
        return map.toString();
    }
}
