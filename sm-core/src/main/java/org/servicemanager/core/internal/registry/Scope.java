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

    /** Only the entities whose {@code field} is one of {@code values}. */
    static Scope fieldIn(String field, Collection<String> values) {
        if (values.isEmpty()) {
            return NONE;
        }
        List<Object> list = new ArrayList<>(values);
        return new Scope(Query.of(new Criterion.FieldCriterion(field, Operator.IN, list)), false);
    }
}
