package org.servicemanager.storage.memory.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.servicemanager.api.InvalidFieldQueryException;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Criterion.FieldCriterion;
import org.servicemanager.api.query.Criterion.LabelCriterion;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.FieldDef;

/** Turns criteria into predicates with exactly the semantics documented on {@link Operator}. */
final class Predicates {
    private Predicates() {
    }

    static <T extends Entity> Predicate<T> of(EntityType<T> type, Criterion criterion) {
        if (criterion instanceof FieldCriterion field) {
            FieldDef<T> def = field(type, field.field());
            Operator op = field.operator();
            List<Object> literals = literals(field);
            return entity -> matchesField(op, def.get(entity), literals);
        }
        LabelCriterion label = (LabelCriterion) criterion;
        String key = label.key();
        Operator op = label.operator();
        List<String> literals = label.values();
        return entity -> matchesLabel(op, entity.labels().get(key), literals);
    }

    static <T extends Entity> FieldDef<T> field(EntityType<T> type, String name) {
        return type.field(name).orElseThrow(
                () -> new InvalidFieldQueryException("unknown field '" + name + "' of " + type.name()));
    }

    /**
     * The criterion's values as the field getters return them. {@link EntityType} widens integers to
     * {@code Long}; doing the same here keeps a caller's {@code Integer} literal from silently never
     * matching.
     */
    static List<Object> literals(FieldCriterion criterion) {
        List<Object> literals = new ArrayList<>(criterion.values().size());
        for (Object value : criterion.values()) {
            literals.add(value instanceof Integer i ? Long.valueOf(i) : value);
        }
        return literals;
    }

    private static boolean matchesField(Operator op, Object actual, List<Object> literals) {
        switch (op) {
            case EQ:
            case IN:
                return actual != null && literals.contains(actual);
            case NE:
            case NOTIN:
                return actual == null || !literals.contains(actual);
            case EN:
                return actual == null || literals.contains(actual);
            case GT:
                return actual != null && compare(actual, literals.get(0)) > 0;
            case GE:
                return actual != null && compare(actual, literals.get(0)) >= 0;
            case LT:
                return actual != null && compare(actual, literals.get(0)) < 0;
            case LE:
                return actual != null && compare(actual, literals.get(0)) <= 0;
            case CONTAINS:
                return actual instanceof String s && s.contains(String.valueOf(literals.get(0)));
            default:
                throw new IllegalArgumentException("unsupported operator " + op.token());
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compare(Object actual, Object literal) {
        if (!(actual instanceof Comparable) || actual.getClass() != literal.getClass()) {
            throw new InvalidFieldQueryException("cannot compare a " + actual.getClass().getSimpleName()
                    + " with the literal '" + literal + "'");
        }
        return ((Comparable) actual).compareTo(literal);
    }

    private static boolean matchesLabel(Operator op, List<String> actual, List<String> literals) {
        switch (op) {
            case EQ:
            case IN:
                return anyIn(actual, literals);
            case NE:
            case NOTIN:
                return !actual.isEmpty() && !anyIn(actual, literals);
            default:
                throw new IllegalArgumentException("labels do not support operator " + op.token());
        }
    }

    private static boolean anyIn(List<String> actual, List<String> literals) {
        for (String value : actual) {
            if (literals.contains(value)) {
                return true;
            }
        }
        return false;
    }
}
