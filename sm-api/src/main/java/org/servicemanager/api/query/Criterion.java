package org.servicemanager.api.query;

import java.util.List;
import java.util.Objects;

/** One predicate of a query: on a field or on a label. */
public sealed interface Criterion permits Criterion.FieldCriterion, Criterion.LabelCriterion {

    Operator operator();

    /**
     * A predicate on a field. Values are of the field's {@link FieldType#javaType()}; exactly one
     * unless the operator is multi-valued.
     */
    record FieldCriterion(String field, Operator operator, List<Object> values) implements Criterion {
        public FieldCriterion {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(operator, "operator");
            values = List.copyOf(values);
            if (values.isEmpty()) {
                throw new IllegalArgumentException("a criterion needs at least one value");
            }
        }
    }

    /** A predicate on a label key; label values are always strings. */
    record LabelCriterion(String key, Operator operator, List<String> values) implements Criterion {
        public LabelCriterion {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(operator, "operator");
            if (!operator.supportsLabels()) {
                throw new IllegalArgumentException("labels do not support operator " + operator.token());
            }
            values = List.copyOf(values);
            if (values.isEmpty()) {
                throw new IllegalArgumentException("a criterion needs at least one value");
            }
        }
    }
}
