package org.servicemanager.core.internal.registry;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.Query;

/** What part of a resource type a caller may see: everything, nothing, or what a query selects. */
record Scope(Query query, boolean nothing) {
    static final Scope ALL = new Scope(Query.all(), false);
    static final Scope NONE = new Scope(Query.all(), true);

    /** What both scopes let see. */
    Scope and(Scope other) {
        if (other == ALL) {
            return this;
        }
        return this == ALL ? other : new Scope(query.and(other.query), nothing || other.nothing);
    }

    /** Only the entities whose {@code field} is one of {@code values}. */
    static Scope fieldIn(String field, Collection<String> values) {
        if (values.isEmpty()) {
            return NONE;
        }
        List<Object> list = new ArrayList<>(values);
        return new Scope(Query.of(new Criterion.FieldCriterion(field, Operator.IN, list)), false);
    }
}
