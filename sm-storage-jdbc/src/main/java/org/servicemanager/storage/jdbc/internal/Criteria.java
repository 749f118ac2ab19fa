package org.servicemanager.storage.jdbc.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.servicemanager.api.InvalidFieldQueryException;
import org.servicemanager.api.model.Entity;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Criterion.FieldCriterion;
import org.servicemanager.api.query.Criterion.LabelCriterion;
import org.servicemanager.api.query.FieldType;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.FieldDef;

/**
 * Translates a {@link Query} into a SQL condition on a table alias, with exactly the semantics
 * documented on {@link Operator}. Fields are columns of the same name; labels are {@code EXISTS}
 * subqueries on the labels table, which its {@code (label_key, label_value, entity_id)} index answers.
 * Stateless and thread-safe.
 */
final class Criteria {
    /** The escape character of {@code contains}' LIKE pattern; not a backslash, whose meaning varies. */
    private static final char ESCAPE = '!';

    private Criteria() {
    }

    /** The condition, or {@code TRUE} for the empty query. */
    static <T extends Entity> Sql where(TableMapping<T> mapping, String alias, Query query) {
        Sql sql = new Sql();
        for (Criterion criterion : query.criteria()) {
            sql.append(sql.isEmpty() ? "" : " AND ");
            if (criterion instanceof FieldCriterion field) {
                field(sql, mapping, alias, field);
            } else {
                label(sql, mapping, alias, (LabelCriterion) criterion);
            }
        }
        return sql.isEmpty() ? new Sql("1 = 1") : sql;
    }

    /**
     * A count computed from the labels table alone, when every criterion is a label {@code eq} or
     * {@code in}: the entities are then the intersection of the label rows' entity ids (label rows
     * exist only for existing entities), which an index-only scan answers without touching the
     * entity table. Empty when the query needs the entity table.
     */
    static <T extends Entity> java.util.Optional<Sql> labelOnlyCount(TableMapping<T> mapping, Query query) {
        if (query.isEmpty()) {
            return java.util.Optional.empty();
        }
        Sql ids = new Sql();
        for (Criterion criterion : query.criteria()) {
            if (!(criterion instanceof LabelCriterion label)
                    || (label.operator() != Operator.EQ && label.operator() != Operator.IN)) {
                return java.util.Optional.empty();
            }
            ids.append(ids.isEmpty() ? "" : " INTERSECT ")
                    .append("SELECT entity_id FROM " + mapping.labelsTable() + " WHERE label_key = ").param(label.key())
                    .append(" AND label_value IN ").params(label.values());
        }
        // INTERSECT removes duplicates; a single criterion needs DISTINCT (an entity may hold several
        // of the listed values).
        return java.util.Optional.of(query.criteria().size() == 1
                ? new Sql("SELECT COUNT(DISTINCT entity_id) FROM (").append(ids).append(") x")
                : new Sql("SELECT COUNT(*) FROM (").append(ids).append(") x"));
    }

    /** The first single-value label {@code eq} of the query: a page can be read from its index in order. */
    static java.util.Optional<LabelCriterion> pageDriver(Query query) {
        for (Criterion criterion : query.criteria()) {
            if (criterion instanceof LabelCriterion label && label.operator() == Operator.EQ
                    && label.values().size() == 1) {
                return java.util.Optional.of(label);
            }
        }
        return java.util.Optional.empty();
    }

    private static <T extends Entity> void field(Sql sql, TableMapping<T> mapping, String alias,
            FieldCriterion criterion) {
        FieldDef<T> def = mapping.type().field(criterion.field()).orElseThrow(() -> new InvalidFieldQueryException(
                "unknown field '" + criterion.field() + "' of " + mapping.type().name()));
        String column = alias + "." + def.name();
        Operator op = criterion.operator();
        // A literal of another type never equals a value of the field: in the memory store it simply
        // matches nothing, and PostgreSQL would reject the comparison outright.
        List<Object> literals = new ArrayList<>();
        for (Object value : criterion.values()) {
            Object literal = value instanceof Integer i ? Long.valueOf(i) : value;
            if (def.type().javaType().isInstance(literal)) {
                literals.add(literal);
            } else if (op != Operator.EQ && op != Operator.IN && op != Operator.NE && op != Operator.NOTIN
                    && op != Operator.EN && op != Operator.CONTAINS) {
                throw new InvalidFieldQueryException("cannot compare the " + def.type().name().toLowerCase(Locale.ROOT)
                        + " field '" + def.name() + "' with the literal '" + value + "'");
            }
        }
        switch (op) {
            case EQ:
            case IN:
                if (literals.isEmpty()) {
                    sql.append("1 = 0");
                } else {
                    sql.append(column).append(" IN ").params(literals);
                }
                break;
            case NE:
            case NOTIN:
                if (literals.isEmpty()) {
                    sql.append("1 = 1");
                } else {
                    sql.append("(").append(column).append(" IS NULL OR ").append(column).append(" NOT IN ")
                            .params(literals).append(")");
                }
                break;
            case EN:
                sql.append("(").append(column).append(" IS NULL");
                if (!literals.isEmpty()) {
                    sql.append(" OR ").append(column).append(" IN ").params(literals);
                }
                sql.append(")");
                break;
            case GT:
                sql.append(column).append(" > ").param(literals.get(0));
                break;
            case GE:
                sql.append(column).append(" >= ").param(literals.get(0));
                break;
            case LT:
                sql.append(column).append(" < ").param(literals.get(0));
                break;
            case LE:
                sql.append(column).append(" <= ").param(literals.get(0));
                break;
            case CONTAINS:
                if (def.type() != FieldType.STRING) {
                    sql.append("1 = 0");
                } else {
                    sql.append(column).append(" LIKE ").param("%" + escapeLike(String.valueOf(criterion.values().get(0))) + "%")
                            .append(" ESCAPE '" + ESCAPE + "'");
                }
                break;
            default:
                throw new IllegalArgumentException("unsupported operator " + op.token());
        }
    }

    private static String escapeLike(String literal) {
        StringBuilder out = new StringBuilder(literal.length() + 8);
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (c == '%' || c == '_' || c == ESCAPE) {
                out.append(ESCAPE);
            }
            out.append(c);
        }
        return out.toString();
    }

    private static void label(Sql sql, TableMapping<?> mapping, String alias, LabelCriterion criterion) {
        switch (criterion.operator()) {
            case EQ:
            case IN:
                sql.append("EXISTS (").append(labelMatch(mapping, alias, criterion.key(), criterion.values()))
                        .append(")");
                break;
            case NE:
            case NOTIN:
                sql.append("EXISTS (").append(labelMatch(mapping, alias, criterion.key(), List.of()))
                        .append(") AND NOT EXISTS (")
                        .append(labelMatch(mapping, alias, criterion.key(), criterion.values())).append(")");
                break;
            default:
                throw new IllegalArgumentException("labels do not support operator " + criterion.operator().token());
        }
    }

    /** The labels of the entity {@code alias} with {@code key} and, if given, one of {@code values}. */
    private static Sql labelMatch(TableMapping<?> mapping, String alias, String key, List<String> values) {
        Sql sql = new Sql("SELECT 1 FROM " + mapping.labelsTable() + " l WHERE l.entity_id = " + alias
                + ".id AND l.label_key = ").param(key);
        if (!values.isEmpty()) {
            sql.append(" AND l.label_value IN ").params(values);
        }
        return sql;
    }
}
