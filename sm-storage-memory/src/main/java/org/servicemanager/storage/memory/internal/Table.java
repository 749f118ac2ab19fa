package org.servicemanager.storage.memory.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Criterion.FieldCriterion;
import org.servicemanager.api.query.Criterion.LabelCriterion;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.Page;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.FieldDef;
import org.servicemanager.api.store.UniqueKey;

/**
 * The entities of one type with their indexes, and the query evaluation over them. It checks no
 * constraint: {@link MemoryDatabase} does that before it calls {@link #insert} or {@link #remove}.
 *
 * <p>Every index maps to entities sorted by {@link OrderKey}, so whichever index answers a query
 * already yields its matches in list order: a page after a cursor is a {@code tailMap}, not a scan
 * and a sort. Not thread-safe: the store's lock guards it.
 */
final class Table<T extends Entity> {
    private static final NavigableMap<OrderKey, ? extends Entity> NONE = Collections.emptyNavigableMap();

    private final EntityType<T> type;
    private final Map<String, T> byId = new HashMap<>();
    private final NavigableMap<OrderKey, T> ordered = new TreeMap<>();
    /** Per unique key: the key's values (a list that may hold nulls) to the entity holding them. */
    private final Map<UniqueKey, Map<List<Object>, T>> unique = new LinkedHashMap<>();
    /** Per reference field: the referenced id to the referring entities; serves cascades and eq/in. */
    private final Map<String, Map<Object, NavigableMap<OrderKey, T>>> byReference = new HashMap<>();
    private final Map<String, NavigableMap<OrderKey, T>> byLabelKey = new HashMap<>();
    private final Map<String, Map<String, NavigableMap<OrderKey, T>>> byLabelValue = new HashMap<>();

    Table(EntityType<T> type) {
        this.type = type;
        type.uniqueKeys().forEach(key -> unique.put(key, new HashMap<>()));
        type.references().forEach(ref -> byReference.put(ref.field(), new HashMap<>()));
    }

    EntityType<T> type() {
        return type;
    }

    T get(String id) {
        return byId.get(id);
    }

    /** The entity that holds the same values of {@code key} as {@code entity}, or {@code null}. */
    T holderOf(UniqueKey key, T entity) {
        return unique.get(key).get(values(key, entity));
    }

    List<Object> values(UniqueKey key, T entity) {
        Object[] values = new Object[key.fields().size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = type.fields().get(key.fields().get(i)).get(entity);
        }
        return Arrays.asList(values);
    }

    /** The entities whose reference field {@code field} holds {@code targetId}. */
    Collection<T> referring(String field, String targetId) {
        return byReference.get(field).getOrDefault(targetId, empty()).values();
    }

    void insert(T entity) {
        OrderKey key = OrderKey.of(entity);
        byId.put(entity.id(), entity);
        ordered.put(key, entity);
        unique.forEach((uniqueKey, index) -> index.put(values(uniqueKey, entity), entity));
        byReference.forEach((field, index) -> {
            Object target = type.fields().get(field).get(entity);
            if (target != null) {
                index.computeIfAbsent(target, t -> new TreeMap<>()).put(key, entity);
            }
        });
        entity.labels().asMap().forEach((label, values) -> {
            byLabelKey.computeIfAbsent(label, l -> new TreeMap<>()).put(key, entity);
            Map<String, NavigableMap<OrderKey, T>> byValue = byLabelValue.computeIfAbsent(label, l -> new HashMap<>());
            values.forEach(value -> byValue.computeIfAbsent(value, v -> new TreeMap<>()).put(key, entity));
        });
    }

    /** Removes {@code entity}, which must be the stored instance; empty index entries go with it. */
    void remove(T entity) {
        OrderKey key = OrderKey.of(entity);
        byId.remove(entity.id());
        ordered.remove(key);
        unique.forEach((uniqueKey, index) -> index.remove(values(uniqueKey, entity)));
        byReference.forEach((field, index) -> {
            Object target = type.fields().get(field).get(entity);
            if (target != null) {
                removeFrom(index, target, key);
            }
        });
        entity.labels().asMap().forEach((label, values) -> {
            removeFrom(byLabelKey, label, key);
            Map<String, NavigableMap<OrderKey, T>> byValue = byLabelValue.get(label);
            values.forEach(value -> removeFrom(byValue, value, key));
            if (byValue.isEmpty()) {
                byLabelValue.remove(label);
            }
        });
    }

    private static <K, T> void removeFrom(Map<K, NavigableMap<OrderKey, T>> index, K indexKey, OrderKey key) {
        NavigableMap<OrderKey, T> entities = index.get(indexKey);
        entities.remove(key);
        if (entities.isEmpty()) {
            index.remove(indexKey);
        }
    }

    Page<T> list(Query query, PageRequest request) {
        Selection<T> selection = select(query);
        OrderKey after = request.after() == null ? null : OrderKey.of(request.after());
        List<T> items = new ArrayList<>(Math.min(request.maxItems(), 64));
        boolean hasMore = false;
        long total;
        if (selection.rest.isEmpty()) {
            // The index answered the whole query: the count is its size, the page a tail of it.
            total = selection.source.size();
            NavigableMap<OrderKey, T> tail = after == null ? selection.source : selection.source.tailMap(after, false);
            for (T entity : tail.values()) {
                if (items.size() == request.maxItems()) {
                    hasMore = true;
                    break;
                }
                items.add(entity);
            }
        } else {
            // The count needs every candidate checked anyway, so one pass collects the page too.
            total = 0;
            boolean pastCursor = after == null;
            for (Map.Entry<OrderKey, T> entry : selection.source.entrySet()) {
                if (!selection.matches(entry.getValue())) {
                    continue;
                }
                total++;
                if (!pastCursor && entry.getKey().compareTo(after) > 0) {
                    pastCursor = true;
                }
                if (pastCursor) {
                    if (items.size() < request.maxItems()) {
                        items.add(entry.getValue());
                    } else {
                        hasMore = true;
                    }
                }
            }
        }
        return new Page<>(items, total, hasMore);
    }

    long count(Query query) {
        Selection<T> selection = select(query);
        if (selection.rest.isEmpty()) {
            return selection.source.size();
        }
        return selection.source.values().stream().filter(selection::matches).count();
    }

    /** Every match of {@code query}, in list order. */
    List<T> matching(Query query) {
        Selection<T> selection = select(query);
        return selection.source.values().stream().filter(selection::matches).toList();
    }

    /**
     * Picks the smallest index that some criterion can be answered from, and the criteria left to
     * check on its entities. Without a usable index the source is the whole table.
     */
    private Selection<T> select(Query query) {
        Candidates<T> best = null;
        for (Criterion criterion : query.criteria()) {
            Candidates<T> candidates = candidates(criterion);
            if (candidates != null && (best == null || candidates.estimatedSize() < best.estimatedSize())) {
                best = candidates;
            }
        }
        List<Predicate<T>> rest = new ArrayList<>();
        for (Criterion criterion : query.criteria()) {
            if (best == null || !best.exact() || criterion != best.criterion()) {
                rest.add(Predicates.of(type, criterion));
            }
        }
        return new Selection<>(best == null ? ordered : best.union(), rest);
    }

    /** The indexed entities that can match {@code criterion}, or {@code null} if no index helps. */
    private Candidates<T> candidates(Criterion criterion) {
        if (criterion instanceof LabelCriterion label) {
            if (label.operator() == Operator.NE || label.operator() == Operator.NOTIN) {
                // Only entities with the key can match; which of them do is left to the predicate.
                return new Candidates<>(criterion, false, List.of(byLabelKey.getOrDefault(label.key(), empty())));
            }
            Map<String, NavigableMap<OrderKey, T>> byValue = byLabelValue.getOrDefault(label.key(), Map.of());
            List<NavigableMap<OrderKey, T>> parts = new ArrayList<>();
            label.values().forEach(value -> parts.add(byValue.getOrDefault(value, empty())));
            return new Candidates<>(criterion, true, parts);
        }
        FieldCriterion field = (FieldCriterion) criterion;
        if (field.operator() != Operator.EQ && field.operator() != Operator.IN) {
            return null;
        }
        FieldDef<T> def = Predicates.field(type, field.field());
        List<Object> literals = Predicates.literals(field);
        List<NavigableMap<OrderKey, T>> parts = new ArrayList<>();
        if (def.name().equals("id")) {
            literals.forEach(id -> parts.add(single(byId.get(id))));
        } else if (byReference.containsKey(def.name())) {
            Map<Object, NavigableMap<OrderKey, T>> index = byReference.get(def.name());
            literals.forEach(value -> parts.add(index.getOrDefault(value, empty())));
        } else {
            Map<List<Object>, T> index = unique.get(UniqueKey.of(def.name()));
            if (index == null) {
                return null;
            }
            literals.forEach(value -> parts.add(single(index.get(Collections.singletonList(value)))));
        }
        return new Candidates<>(criterion, true, parts);
    }

    private NavigableMap<OrderKey, T> single(T entity) {
        return entity == null ? empty() : new TreeMap<>(Map.of(OrderKey.of(entity), entity));
    }

    @SuppressWarnings("unchecked")
    private static <T extends Entity> NavigableMap<OrderKey, T> empty() {
        return (NavigableMap<OrderKey, T>) NONE;
    }

    /** Index entries for one criterion; {@code exact} when they are precisely its matches. */
    private record Candidates<T extends Entity>(Criterion criterion, boolean exact,
            List<NavigableMap<OrderKey, T>> parts) {

        long estimatedSize() {
            long size = 0;
            for (NavigableMap<OrderKey, T> part : parts) {
                size += part.size();
            }
            return size;
        }

        /** The parts as one sorted map; an entity in several parts (several label values) counts once. */
        NavigableMap<OrderKey, T> union() {
            if (parts.size() == 1) {
                return parts.get(0);
            }
            NavigableMap<OrderKey, T> largest = parts.get(0);
            for (NavigableMap<OrderKey, T> part : parts) {
                largest = part.size() > largest.size() ? part : largest;
            }
            TreeMap<OrderKey, T> union = new TreeMap<>(largest);
            for (NavigableMap<OrderKey, T> part : parts) {
                if (part != largest) {
                    union.putAll(part);
                }
            }
            return union;
        }
    }

    /** Where to look ({@code source}, in list order) and what each entity there must still satisfy. */
    private record Selection<T>(NavigableMap<OrderKey, T> source, List<Predicate<T>> rest) {
        boolean matches(T entity) {
            for (Predicate<T> predicate : rest) {
                if (!predicate.test(entity)) {
                    return false;
                }
            }
            return true;
        }
    }
}
