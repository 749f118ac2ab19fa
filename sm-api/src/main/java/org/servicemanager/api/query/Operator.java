package org.servicemanager.api.query;

import java.util.Locale;
import java.util.Optional;

/**
 * The query operators and their semantics, which every store implements identically.
 *
 * <p>Fields: {@code eq} equal; {@code ne} not equal (a {@code null} field is not equal to any
 * literal, so it matches); {@code gt lt ge le} compare ordered types and never match
 * {@code null}; {@code in} equal to one of the literals; {@code notin} equal to none of them
 * ({@code null} matches); {@code en} equal or {@code null}; {@code contains} substring of a string
 * field (case-sensitive).
 *
 * <p>Labels (the spec's table): {@code eq} the key exists and one value equals the literal;
 * {@code ne} the key exists and no value equals it; {@code in} the key exists and one value is in
 * the list; {@code notin} the key exists and no value is in the list.
 */
public enum Operator {
    EQ(false, true),
    NE(false, true),
    GT(false, false),
    LT(false, false),
    GE(false, false),
    LE(false, false),
    IN(true, true),
    NOTIN(true, true),
    EN(false, false),
    CONTAINS(false, false);

    private final boolean multiValued;
    private final boolean forLabels;

    Operator(boolean multiValued, boolean forLabels) {
        this.multiValued = multiValued;
        this.forLabels = forLabels;
    }

    /** {@code in}/{@code notin} take a parenthesised list; the others exactly one literal. */
    public boolean isMultiValued() {
        return multiValued;
    }

    /** Whether label queries may use this operator. */
    public boolean supportsLabels() {
        return forLabels;
    }

    /** The operator as written in a query. */
    public String token() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Looks up an operator by its query token ({@code eq}, {@code notin}, ...), case-sensitively. */
    public static Optional<Operator> fromToken(String token) {
        for (Operator op : values()) {
            if (op.token().equals(token)) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }
}
