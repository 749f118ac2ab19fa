package org.servicemanager.api.query;

import java.util.ArrayList;
import java.util.List;

/** A conjunction of criteria; the empty query matches everything. */
public record Query(List<Criterion> criteria) {
    private static final Query ALL = new Query(List.of());

    public Query {
        criteria = List.copyOf(criteria);
    }

    public static Query all() {
        return ALL;
    }

    public static Query of(Criterion... criteria) {
        return new Query(List.of(criteria));
    }

    public boolean isEmpty() {
        return criteria.isEmpty();
    }

    /** This query and {@code other} together. */
    public Query and(Query other) {
        if (other.isEmpty()) {
            return this;
        }
        List<Criterion> all = new ArrayList<>(criteria);
        all.addAll(other.criteria);
        return new Query(all);
    }

    /** Shorthand for the common {@code field eq value}. */
    public static Query fieldEquals(String field, Object value) {
        return of(new Criterion.FieldCriterion(field, Operator.EQ, List.of(value)));
    }
}
