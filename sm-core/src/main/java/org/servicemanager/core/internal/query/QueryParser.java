package org.servicemanager.core.internal.query;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.InvalidFieldQueryException;
import org.servicemanager.api.InvalidLabelQueryException;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.FieldType;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.FieldDef;

/**
 * Parses the {@code fieldQuery} and {@code labelQuery} parameters of a listing into a typed
 * {@link Query}.
 *
 * <p>The grammar is the Peripli one: {@code predicate (and predicate)*}, where a predicate is
 * {@code name op literal} or {@code name (in|notin) (literal, ...)}. Operators and {@code and} are
 * lowercase. Literals are {@code 'strings'} (a doubled quote stands for one quote), {@code true},
 * {@code false}, integers and ISO 8601 date-times with an offset. Whitespace between tokens may be
 * any amount and is optional around {@code ( ) ,} and quotes. Field queries are checked against the
 * entity type: only its {@linkplain FieldDef#exposed() exposed} fields, literals of the field's
 * type, and operators that make sense for it. Label values are always quoted strings, and labels
 * support only {@code eq ne in notin}.
 *
 * <p>Query texts come straight from clients, so parsing is a single left-to-right pass without
 * recursion, texts over {@value #MAX_QUERY_BYTES} bytes or with more than {@value #MAX_CRITERIA}
 * criteria are refused, and whatever the text, the only exceptions are
 * {@link InvalidFieldQueryException} and {@link InvalidLabelQueryException}. Their messages name
 * the first problem from the left: what was expected, what was found, its 1-based position (in
 * code points) and the query itself, e.g.
 * {@code fieldQuery: expected an operator (eq, ne, ...) at position 6 but found 'eqq' in "name eqq 'x'"}.
 *
 * <p>Thread-safe: stateless; each call parses with its own state.
 */
public final class QueryParser {
    /** The longest query text accepted, in UTF-8 bytes; bounds what one request can make us do. */
    public static final int MAX_QUERY_BYTES = 8 * 1024;
    /** The most criteria in one query; stores turn each into a condition, so this bounds them too. */
    public static final int MAX_CRITERIA = 100;

    /** Queries up to this length are quoted whole in messages; longer ones around the error. */
    private static final int QUOTE_WHOLE_UP_TO = 200;
    private static final int EXCERPT_RADIUS = 60;
    /** Tokens shown in messages are cut here so a huge token cannot flood the message. */
    private static final int SHOW_UP_TO = 40;
    /** No ISO date-time is longer than this; longer words are not even handed to the JDK parser. */
    private static final int MAX_DATE_TIME_LENGTH = 64;
    private static final String DATE_TIME_HINT = "use ISO 8601 with an offset, such as 2026-11-27T10:15:30Z";

    private static final String FIELD_OPERATORS = Arrays.stream(Operator.values())
            .map(Operator::token).collect(Collectors.joining(", "));
    private static final String LABEL_OPERATORS = Arrays.stream(Operator.values())
            .filter(Operator::supportsLabels).map(Operator::token).collect(Collectors.joining(", "));

    private QueryParser() {
    }

    /**
     * Parses a {@code fieldQuery} for entities of {@code type}.
     *
     * @param text the query as the client sent it (URL-decoded); {@code null} or blank means all
     * @param type the entity type whose exposed fields the query may use
     * @return the criteria, each value of its field's {@link FieldType#javaType()}
     * @throws InvalidFieldQueryException if the text is not a valid field query for {@code type}
     */
    public static Query parseFieldQuery(String text, EntityType<?> type) {
        Objects.requireNonNull(type, "type");
        return new Parser(text, type).parse();
    }

    /**
     * Parses a {@code labelQuery}.
     *
     * @param text the query as the client sent it (URL-decoded); {@code null} or blank means all
     * @return the criteria, with string values
     * @throws InvalidLabelQueryException if the text is not a valid label query
     */
    public static Query parseLabelQuery(String text) {
        return new Parser(text, null).parse();
    }

    private enum Kind { WORD, STRING, LPAREN, RPAREN, COMMA, END }

    /**
     * A token: {@code start}/{@code end} are char indexes into the text; {@code value} is the word,
     * or a string's content with doubled quotes undone.
     */
    private record Token(Kind kind, int start, int end, String value) {
        boolean isWord(String word) {
            return kind == Kind.WORD && value.equals(word);
        }
    }

    /** One parse: a lexer that produces tokens on demand, and a loop over predicates. */
    private static final class Parser {
        private final String text;
        private final EntityType<?> type;
        private final boolean labels;
        private final String queryName;
        private int pos;
        private Token tok;
        private Token previous;

        Parser(String text, EntityType<?> type) {
            this.text = text;
            this.type = type;
            this.labels = type == null;
            this.queryName = labels ? "labelQuery" : "fieldQuery";
        }

        Query parse() {
            if (text == null) {
                return Query.all();
            }
            if (isTooLong(text)) {
                throw exception(queryName + ": the query is too long; at most " + MAX_QUERY_BYTES
                        + " bytes are allowed");
            }
            if (text.isBlank()) {
                return Query.all();
            }
            int nul = text.indexOf('\0');
            if (nul >= 0) {
                // No stored key or value holds NUL, and PostgreSQL fails a statement that does.
                throw fail(nul, "NUL (U+0000) is not allowed", "", null);
            }
            List<Criterion> criteria = new ArrayList<>();
            advance();
            boolean afterAnd = false;
            while (true) {
                if (criteria.size() == MAX_CRITERIA) {
                    throw fail(tok.start, "too many criteria", "",
                            "at most " + MAX_CRITERIA + " are allowed");
                }
                criteria.add(predicate(afterAnd));
                if (tok.kind == Kind.END) {
                    return new Query(criteria);
                }
                if (!tok.isWord("and")) {
                    throw fail(tok.start, "expected 'and' or the end of the query", " but found " + found(tok),
                            afterPredicateHint());
                }
                advance();
                afterAnd = true;
            }
        }

        private Criterion predicate(boolean afterAnd) {
            Token name = tok;
            if (name.kind != Kind.WORD) {
                String hint = afterAnd && name.kind == Kind.END ? "the query must not end with 'and'" : null;
                throw fail(name.start, "expected " + (labels ? "a label key" : "a field name"),
                        " but found " + found(name), hint);
            }
            FieldDef<?> field = null;
            if (!labels) {
                field = type.field(name.value).filter(FieldDef::exposed).orElseThrow(
                        () -> fail(name.start, "unknown field " + show(name.value), "",
                                "fields of " + type.name() + " are " + exposedFields()));
            }
            advance();
            Token opToken = tok;
            Operator op = operator(opToken);
            checkApplicable(op, opToken, field);
            advance();

            List<Object> values = new ArrayList<>();
            if (op.isMultiValued()) {
                if (tok.kind != Kind.LPAREN) {
                    throw fail(tok.start, "expected '(' after '" + op.token() + "'", " but found " + found(tok),
                            "'" + op.token() + "' takes a list of values in parentheses, such as ('a', 'b')");
                }
                int open = tok.start;
                advance();
                if (tok.kind == Kind.RPAREN) {
                    throw fail(tok.start, "expected " + expectation(field), " but found ')'",
                            "'" + op.token() + "' needs at least one value");
                }
                while (true) {
                    values.add(literal(field));
                    if (tok.kind == Kind.COMMA) {
                        advance();
                    } else if (tok.kind == Kind.RPAREN) {
                        advance();
                        break;
                    } else {
                        String hint = tok.kind == Kind.END
                                ? "the list opened at position " + position(open) + " is not closed" : null;
                        throw fail(tok.start, "expected ',' or ')'", " but found " + found(tok), hint);
                    }
                }
            } else {
                values.add(literal(field));
            }
            if (labels) {
                return new Criterion.LabelCriterion(name.value, op,
                        values.stream().map(String.class::cast).collect(Collectors.toList()));
            }
            return new Criterion.FieldCriterion(name.value, op, values);
        }

        private Operator operator(Token t) {
            if (t.kind == Kind.WORD) {
                Optional<Operator> op = Operator.fromToken(t.value);
                if (op.isPresent()) {
                    return op.get();
                }
            }
            String hint = null;
            if (t.kind == Kind.WORD && t.value.length() <= "contains".length()) {
                String lower = t.value.toLowerCase(Locale.ROOT);
                if (Operator.fromToken(lower).isPresent()) {
                    hint = "operators are lowercase: write " + lower;
                }
            }
            throw fail(t.start, "expected an operator (" + (labels ? LABEL_OPERATORS : FIELD_OPERATORS) + ")",
                    " but found " + found(t), hint);
        }

        private void checkApplicable(Operator op, Token at, FieldDef<?> field) {
            String what = "operator '" + op.token() + "'";
            if (labels) {
                if (!op.supportsLabels()) {
                    throw fail(at.start, what, " is not supported for labels", "labels support " + LABEL_OPERATORS);
                }
                return;
            }
            boolean comparison = op == Operator.GT || op == Operator.LT || op == Operator.GE || op == Operator.LE;
            if (comparison && !field.type().isOrdered()) {
                throw fail(at.start, what, " cannot be used on field '" + field.name() + "'",
                        "gt, lt, ge and le need an integer or date-time field, and '" + field.name() + "' is "
                                + typeName(field.type()));
            }
            if (op == Operator.CONTAINS && field.type() != FieldType.STRING) {
                throw fail(at.start, what, " cannot be used on field '" + field.name() + "'",
                        "'contains' needs a string field, and '" + field.name() + "' is " + typeName(field.type()));
            }
        }

        /** Reads one literal for {@code field} (or a label value if {@code null}) and moves past it. */
        private Object literal(FieldDef<?> field) {
            Token t = tok;
            Object value = labels ? labelValue(t) : fieldValue(t, field);
            advance();
            return value;
        }

        private String labelValue(Token t) {
            if (t.kind == Kind.STRING) {
                return t.value;
            }
            String hint = t.kind == Kind.WORD
                    ? "label values are strings: " + quoteAdvice(t.value)
                    : structuralHint(t);
            throw fail(t.start, "expected a quoted string", " but found " + found(t), hint);
        }

        private Object fieldValue(Token t, FieldDef<?> field) {
            FieldType fieldType = field.type();
            Object value = null;
            if (t.kind == Kind.STRING) {
                if (fieldType == FieldType.STRING) {
                    value = t.value;
                } else if (fieldType == FieldType.DATETIME) {
                    value = dateTime(t.value);
                }
            } else if (t.kind == Kind.WORD) {
                value = switch (fieldType) {
                    case STRING -> null;
                    case BOOLEAN -> t.value.equals("true") ? Boolean.TRUE
                            : t.value.equals("false") ? Boolean.FALSE : null;
                    case INTEGER -> integer(t);
                    case DATETIME -> dateTime(t.value);
                };
            }
            if (value != null) {
                return value;
            }
            throw fail(t.start, "expected " + expectation(field), " but found " + found(t),
                    fieldValueHint(t, fieldType));
        }

        private Long integer(Token t) {
            if (!isIntegerShaped(t.value)) {
                return null;
            }
            try {
                return Long.parseLong(t.value);
            } catch (NumberFormatException e) {
                throw fail(t.start, "integer " + show(t.value), " is out of range",
                        "integers must be between " + Long.MIN_VALUE + " and " + Long.MAX_VALUE);
            }
        }

        private String fieldValueHint(Token t, FieldType fieldType) {
            if (t.kind != Kind.WORD && t.kind != Kind.STRING) {
                return structuralHint(t);
            }
            boolean word = t.kind == Kind.WORD;
            switch (fieldType) {
                case STRING:
                    return "string values must be quoted: " + quoteAdvice(t.value);
                case BOOLEAN:
                    String lower = t.value.toLowerCase(Locale.ROOT);
                    if (lower.equals("true") || lower.equals("false")) {
                        return word ? "booleans are lowercase: write " + lower : "write " + lower + " without quotes";
                    }
                    return null;
                case INTEGER:
                    return !word && isIntegerShaped(t.value) ? "write " + t.value + " without quotes" : null;
                default:
                    return DATE_TIME_HINT;
            }
        }

        private String structuralHint(Token t) {
            return t.kind == Kind.LPAREN ? "only 'in' and 'notin' take a list of values" : null;
        }

        private String afterPredicateHint() {
            if (tok.kind == Kind.WORD) {
                if (tok.value.equalsIgnoreCase("and")) {
                    return "'and' is lowercase";
                }
                if (tok.value.equalsIgnoreCase("or")) {
                    return "only 'and' is supported";
                }
            }
            if (previous != null && previous.kind == Kind.STRING && previous.end == tok.start) {
                return "to put a quote inside a string, double it: ''";
            }
            return null;
        }

        private String expectation(FieldDef<?> field) {
            if (field == null) {
                return "a quoted string";
            }
            String what = switch (field.type()) {
                case STRING -> "a quoted string";
                case BOOLEAN -> "true or false";
                case INTEGER -> "an integer";
                case DATETIME -> "a date-time";
            };
            return what + " for field '" + field.name() + "'";
        }

        private String exposedFields() {
            return type.fields().values().stream().filter(FieldDef::exposed).map(FieldDef::name)
                    .collect(Collectors.joining(", "));
        }

        // ---- lexer -------------------------------------------------------------------------

        private void advance() {
            previous = tok;
            int len = text.length();
            while (pos < len && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
            int start = pos;
            if (pos >= len) {
                tok = new Token(Kind.END, len, len, "");
                return;
            }
            char c = text.charAt(pos);
            switch (c) {
                case '(' -> tok = new Token(Kind.LPAREN, start, ++pos, "(");
                case ')' -> tok = new Token(Kind.RPAREN, start, ++pos, ")");
                case ',' -> tok = new Token(Kind.COMMA, start, ++pos, ",");
                case '\'' -> tok = string(start);
                default -> {
                    while (pos < len && !isDelimiter(text.charAt(pos))) {
                        pos++;
                    }
                    tok = new Token(Kind.WORD, start, pos, text.substring(start, pos));
                }
            }
        }

        private Token string(int start) {
            StringBuilder value = new StringBuilder();
            int len = text.length();
            int i = start + 1;
            while (i < len) {
                char c = text.charAt(i);
                if (c != '\'') {
                    value.append(c);
                    i++;
                } else if (i + 1 < len && text.charAt(i + 1) == '\'') {
                    value.append('\'');
                    i += 2;
                } else {
                    pos = i + 1;
                    return new Token(Kind.STRING, start, pos, value.toString());
                }
            }
            throw fail(start, "unterminated string", "",
                    "close it with ' and write '' for a quote inside a string");
        }

        private static boolean isDelimiter(char c) {
            return Character.isWhitespace(c) || c == '\'' || c == '(' || c == ')' || c == ',';
        }

        // ---- messages ----------------------------------------------------------------------

        /** {@code <query>: <head> at position <n><tail> in "<query>"[; <hint>]}. */
        private BadRequestException fail(int at, String head, String tail, String hint) {
            StringBuilder m = new StringBuilder(queryName).append(": ").append(head)
                    .append(" at position ").append(position(at)).append(tail)
                    .append(" in \"").append(excerpt(at)).append('"');
            if (hint != null) {
                m.append("; ").append(hint);
            }
            return exception(m.toString());
        }

        private BadRequestException exception(String message) {
            return labels ? new InvalidLabelQueryException(message) : new InvalidFieldQueryException(message);
        }

        /** 1-based and in code points, so it matches what a person counts in their editor. */
        private int position(int charIndex) {
            return text.codePointCount(0, charIndex) + 1;
        }

        private String excerpt(int at) {
            int len = text.length();
            if (len <= QUOTE_WHOLE_UP_TO) {
                return escape(text);
            }
            int from = Math.max(0, at - EXCERPT_RADIUS);
            int to = Math.min(len, at + EXCERPT_RADIUS);
            if (from > 0 && Character.isLowSurrogate(text.charAt(from))) {
                from++;
            }
            if (to < len && Character.isHighSurrogate(text.charAt(to - 1))) {
                to--;
            }
            return (from > 0 ? "..." : "") + escape(text.substring(from, to)) + (to < len ? "..." : "");
        }

        private String found(Token t) {
            return switch (t.kind) {
                case END -> "the end of the query";
                case LPAREN, RPAREN, COMMA -> "'" + t.value + "'";
                case STRING -> "the string " + cut(text.substring(t.start, t.end));
                case WORD -> show(t.value);
            };
        }

        /** Suggests the quoted form only when it is short enough to be read and copied. */
        private static String quoteAdvice(String word) {
            return word.length() <= SHOW_UP_TO ? "write '" + escape(word) + "'" : "put the value in single quotes";
        }

        private static String show(String word) {
            return "'" + cut(word) + "'";
        }

        private static String cut(String s) {
            if (s.length() <= SHOW_UP_TO) {
                return escape(s);
            }
            int end = SHOW_UP_TO;
            if (Character.isHighSurrogate(s.charAt(end - 1))) {
                end--;
            }
            return escape(s.substring(0, end)) + "...";
        }

        /** Keeps messages on one line and free of invisible characters. */
        private static String escape(String s) {
            StringBuilder out = null;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                String replacement = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
                        : Character.isISOControl(c) ? String.format(Locale.ROOT, "\\u%04x", (int) c) : null;
                if (replacement != null && out == null) {
                    out = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                if (out != null) {
                    if (replacement != null) {
                        out.append(replacement);
                    } else {
                        out.append(c);
                    }
                }
            }
            return out == null ? s : out.toString();
        }
    }

    // ---- shared helpers ------------------------------------------------------------------------

    private static boolean isTooLong(String text) {
        if (text.length() > MAX_QUERY_BYTES) {
            return true; // every char is at least one UTF-8 byte
        }
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            // a surrogate pair is four bytes, two per half
            bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        return bytes > MAX_QUERY_BYTES;
    }

    private static boolean isIntegerShaped(String s) {
        int i = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-') ? 1 : 0;
        if (i == s.length()) {
            return false;
        }
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** The instant, or {@code null} if {@code s} is not an ISO 8601 date-time with an offset. */
    private static Instant dateTime(String s) {
        if (s.length() > MAX_DATE_TIME_LENGTH) {
            return null;
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeException e) {
            return null;
        }
    }

    private static String typeName(FieldType fieldType) {
        return switch (fieldType) {
            case STRING -> "a string";
            case BOOLEAN -> "a boolean";
            case INTEGER -> "an integer";
            case DATETIME -> "a date-time";
        };
    }
}
