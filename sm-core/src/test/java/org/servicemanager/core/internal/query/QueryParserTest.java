package org.servicemanager.core.internal.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.api.InvalidFieldQueryException;
import org.servicemanager.api.InvalidLabelQueryException;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Criterion.FieldCriterion;
import org.servicemanager.api.query.Criterion.LabelCriterion;
import org.servicemanager.api.query.Operator;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;

@DisplayName("QueryParser")
class QueryParserTest {
    private static final EntityType<?> PLANS = EntityTypes.SERVICE_PLANS;

    private static Query fields(String text) {
        return QueryParser.parseFieldQuery(text, PLANS);
    }

    private static FieldCriterion onlyField(String text) {
        Query query = fields(text);
        assertThat(query.criteria()).hasSize(1);
        return (FieldCriterion) query.criteria().get(0);
    }

    private static LabelCriterion onlyLabel(String text) {
        Query query = QueryParser.parseLabelQuery(text);
        assertThat(query.criteria()).hasSize(1);
        return (LabelCriterion) query.criteria().get(0);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> fieldError(String text) {
        return fieldError(text, PLANS);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> fieldError(String text, EntityType<?> type) {
        return assertThatThrownBy(() -> QueryParser.parseFieldQuery(text, type))
                .isExactlyInstanceOf(InvalidFieldQueryException.class);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> labelError(String text) {
        return assertThatThrownBy(() -> QueryParser.parseLabelQuery(text))
                .isExactlyInstanceOf(InvalidLabelQueryException.class);
    }

    @Nested
    @DisplayName("field operators")
    class FieldOperators {
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"eq", "ne", "en", "contains"})
        @DisplayName("a string field takes eq, ne, en and contains with one value")
        void stringOperators(String op) {
            assertThat(onlyField("name " + op + " 'small'"))
                    .isEqualTo(new FieldCriterion("name", Operator.fromToken(op).orElseThrow(), List.of("small")));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"eq", "ne", "gt", "lt", "ge", "le", "en"})
        @DisplayName("an integer field takes every single-valued comparison")
        void integerOperators(String op) {
            assertThat(onlyField("maximum_polling_duration " + op + " 60")).isEqualTo(new FieldCriterion(
                    "maximum_polling_duration", Operator.fromToken(op).orElseThrow(), List.of(60L)));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"gt", "lt", "ge", "le"})
        @DisplayName("a date-time field takes the ordering comparisons")
        void dateTimeOperators(String op) {
            assertThat(onlyField("created_at " + op + " 2026-11-27T10:15:30Z")).isEqualTo(new FieldCriterion(
                    "created_at", Operator.fromToken(op).orElseThrow(), List.of(Instant.parse("2026-11-27T10:15:30Z"))));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"in", "notin"})
        @DisplayName("in and notin take a parenthesised list of one or more values")
        void multiValued(String op) {
            Operator operator = Operator.fromToken(op).orElseThrow();
            assertThat(onlyField("name " + op + " ('a', 'b', 'c')"))
                    .isEqualTo(new FieldCriterion("name", operator, List.of("a", "b", "c")));
            assertThat(onlyField("maximum_polling_duration " + op + " (1)"))
                    .isEqualTo(new FieldCriterion("maximum_polling_duration", operator, List.of(1L)));
            assertThat(onlyField("free " + op + " (true, false)"))
                    .isEqualTo(new FieldCriterion("free", operator, List.of(true, false)));
        }

        @Test
        @DisplayName("en is allowed on fields of every type")
        void enOnEveryType() {
            assertThat(onlyField("free en true").values()).containsExactly(true);
            assertThat(onlyField("maximum_polling_duration en 5").values()).containsExactly(5L);
            assertThat(onlyField("updated_at en 2026-01-01T00:00:00Z").values())
                    .containsExactly(Instant.parse("2026-01-01T00:00:00Z"));
        }

        @Test
        @DisplayName("predicates joined by and become criteria in their order")
        void conjunction() {
            Query query = fields("name eq 'a' and free eq true and maximum_polling_duration gt 10");
            assertThat(query.criteria()).containsExactly(
                    new FieldCriterion("name", Operator.EQ, List.of("a")),
                    new FieldCriterion("free", Operator.EQ, List.of(true)),
                    new FieldCriterion("maximum_polling_duration", Operator.GT, List.of(10L)));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"gt", "lt", "ge", "le"})
        @DisplayName("ordering comparisons are refused on unordered fields")
        void orderingOnUnorderedField(String op) {
            fieldError("name " + op + " 'a'").hasMessage("fieldQuery: operator '" + op
                    + "' at position 6 cannot be used on field 'name' in \"name " + op + " 'a'\"; "
                    + "gt, lt, ge and le need an integer or date-time field, and 'name' is a string");
            fieldError("free " + op + " true").hasMessageContaining("and 'free' is a boolean");
        }

        @Test
        @DisplayName("contains is refused on fields that are not strings")
        void containsOnNonString() {
            fieldError("free contains true").hasMessage("fieldQuery: operator 'contains' at position 6 cannot be"
                    + " used on field 'free' in \"free contains true\"; 'contains' needs a string field, and 'free' is a boolean");
            fieldError("created_at contains 2026-01-01T00:00:00Z").hasMessageContaining("'created_at' is a date-time");
        }
    }

    @Nested
    @DisplayName("literals")
    class Literals {
        @Test
        @DisplayName("a doubled quote inside a string stands for one quote")
        void escapedQuote() {
            assertThat(onlyField("name eq 'it''s'").values()).containsExactly("it's");
            assertThat(onlyField("name eq ''''").values()).containsExactly("'");
            assertThat(onlyField("name eq ''").values()).containsExactly("");
            assertThat(onlyField("name eq 'a'''''").values()).containsExactly("a''");
        }

        @Test
        @DisplayName("a string may contain spaces, ' and ', parentheses, commas and any unicode")
        void stringContents() {
            String value = "a and b (c, d) eq 'e' \u00fc\u4e2d\uD83D\uDE00\t";
            String quoted = "'" + value.replace("'", "''") + "'";
            assertThat(onlyField("description eq " + quoted).values()).containsExactly(value);
            assertThat(fields("name eq ' and ' and description in (' and ', ')', ',')").criteria()).containsExactly(
                    new FieldCriterion("name", Operator.EQ, List.of(" and ")),
                    new FieldCriterion("description", Operator.IN, List.of(" and ", ")", ",")));
        }

        @Test
        @DisplayName("true and false are booleans")
        void booleans() {
            assertThat(onlyField("free eq true").values()).containsExactly(Boolean.TRUE);
            assertThat(onlyField("free eq false").values()).containsExactly(Boolean.FALSE);
        }

        @Test
        @DisplayName("integers are signed and span the whole long range")
        void integers() {
            assertThat(fields("maximum_polling_duration eq 0 and maximum_polling_duration eq -7 "
                    + "and maximum_polling_duration eq +3 and maximum_polling_duration eq 0042 "
                    + "and maximum_polling_duration eq 9223372036854775807 "
                    + "and maximum_polling_duration eq -9223372036854775808").criteria())
                    .extracting(c -> ((FieldCriterion) c).values().get(0))
                    .containsExactly(0L, -7L, 3L, 42L, Long.MAX_VALUE, Long.MIN_VALUE);
        }

        @Test
        @DisplayName("date-times are ISO 8601 with an offset, quoted or not, and become instants")
        void dateTimes() {
            assertThat(onlyField("created_at eq 2026-11-27T10:15:30Z").values())
                    .containsExactly(Instant.parse("2026-11-27T10:15:30Z"));
            assertThat(onlyField("created_at eq 2026-11-27T10:15:30.123456+02:00").values())
                    .containsExactly(Instant.parse("2026-11-27T08:15:30.123456Z"));
            assertThat(onlyField("created_at eq '2026-11-27T10:15:30.5-01:30'").values())
                    .containsExactly(Instant.parse("2026-11-27T11:45:30.500Z"));
            assertThat(onlyField("created_at in (2026-11-27T10:15:30Z, '2026-11-28T10:15:30Z')").values())
                    .containsExactly(Instant.parse("2026-11-27T10:15:30Z"), Instant.parse("2026-11-28T10:15:30Z"));
        }

        @Test
        @DisplayName("a string field needs a quoted string: a bare word is a syntax error that suggests the quotes")
        void bareWord() {
            fieldError("name eq foo").hasMessage("fieldQuery: expected a quoted string for field 'name' at position 9"
                    + " but found 'foo' in \"name eq foo\"; string values must be quoted: write 'foo'");
            fieldError("name eq true").hasMessageEndingWith("; string values must be quoted: write 'true'");
            fieldError("name in ('a', 42)").hasMessageContaining("at position 15 but found '42'");
        }

        @Test
        @DisplayName("a bare word is a syntax error for fields of any type")
        void bareWordForOtherTypes() {
            fieldError("free eq yes").hasMessage("fieldQuery: expected true or false for field 'free' at position 9"
                    + " but found 'yes' in \"free eq yes\"");
            fieldError("maximum_polling_duration eq many").hasMessageContaining("expected an integer for field "
                    + "'maximum_polling_duration' at position 29 but found 'many'");
            fieldError("created_at eq now").hasMessageContaining("expected a date-time for field 'created_at'");
        }

        @Test
        @DisplayName("a boolean field needs unquoted lowercase true or false")
        void booleanMismatch() {
            fieldError("free eq 'true'").hasMessage("fieldQuery: expected true or false for field 'free' at position 9"
                    + " but found the string 'true' in \"free eq 'true'\"; write true without quotes");
            fieldError("free eq TRUE").hasMessageEndingWith("; booleans are lowercase: write true");
            fieldError("free eq 1").hasMessageContaining("but found '1'");
        }

        @Test
        @DisplayName("an integer field needs an unquoted whole number that fits in 64 bits")
        void integerMismatch() {
            fieldError("maximum_polling_duration eq '3'").hasMessageEndingWith(
                    "but found the string '3' in \"maximum_polling_duration eq '3'\"; write 3 without quotes");
            fieldError("maximum_polling_duration eq 3.5").hasMessageContaining("but found '3.5'");
            fieldError("maximum_polling_duration eq 1e3").hasMessageContaining("but found '1e3'");
            fieldError("maximum_polling_duration eq true").hasMessageContaining("expected an integer");
        }

        @Test
        @DisplayName("an integer beyond the long range is refused, not wrapped")
        void integerOutOfRange() {
            fieldError("maximum_polling_duration eq 9223372036854775808").hasMessage("fieldQuery: integer "
                    + "'9223372036854775808' at position 29 is out of range in "
                    + "\"maximum_polling_duration eq 9223372036854775808\"; integers must be between "
                    + "-9223372036854775808 and 9223372036854775807");
            fieldError("maximum_polling_duration eq -" + "9".repeat(500)).hasMessageContaining("is out of range");
        }

        @Test
        @DisplayName("a date-time must be a valid ISO 8601 instant with an offset")
        void dateTimeMismatch() {
            String hint = "; use ISO 8601 with an offset, such as 2026-11-27T10:15:30Z";
            fieldError("created_at eq 'yesterday'").hasMessage("fieldQuery: expected a date-time for field "
                    + "'created_at' at position 15 but found the string 'yesterday' in \"created_at eq 'yesterday'\""
                    + hint);
            fieldError("created_at eq 2026-13-01T00:00:00Z").hasMessageEndingWith(hint);
            fieldError("created_at eq 2026-02-30T00:00:00Z").hasMessageEndingWith(hint);
            fieldError("created_at eq 2026-11-27T10:15:30").hasMessageEndingWith(hint);
            fieldError("created_at eq 2026-11-27").hasMessageEndingWith(hint);
            fieldError("created_at eq 1764238530").hasMessageEndingWith(hint);
        }
    }

    @Nested
    @DisplayName("whitespace")
    class Whitespace {
        @ParameterizedTest(name = "[{0}]")
        @ValueSource(strings = {
                "name in ('a','b') and free eq true",
                "  name   in   (  'a'  ,  'b'  )   and   free   eq   true  ",
                "\tname\tin\t(\t'a'\t,\t'b'\t)\tand\tfree\teq\ttrue\t",
                "name in('a','b')and free eq true",
                "name in ('a', 'b')\r\n and free eq true"})
        @DisplayName("any amount of whitespace may separate tokens and is optional around ( ) , and quotes")
        void variants(String text) {
            assertThat(fields(text).criteria()).containsExactly(
                    new FieldCriterion("name", Operator.IN, List.of("a", "b")),
                    new FieldCriterion("free", Operator.EQ, List.of(true)));
        }

        @Test
        @DisplayName("whitespace inside a string is kept as written")
        void insideStrings() {
            assertThat(onlyField("name eq '  a\tb  '").values()).containsExactly("  a\tb  ");
        }

        @ParameterizedTest(name = "[{0}]")
        @NullSource
        @ValueSource(strings = {"", " ", " \t \n "})
        @DisplayName("a missing or blank query matches everything")
        void blank(String text) {
            assertThat(fields(text)).isEqualTo(Query.all());
            assertThat(QueryParser.parseLabelQuery(text)).isEqualTo(Query.all());
        }
    }

    @Nested
    @DisplayName("field names")
    class FieldNames {
        @Test
        @DisplayName("an unknown field is named, with the fields the type allows")
        void unknownField() {
            fieldError("nme eq 'x'", EntityTypes.PLATFORMS).hasMessage("fieldQuery: unknown field 'nme' at position 1"
                    + " in \"nme eq 'x'\"; fields of platforms are id, created_at, updated_at, ready, name, type,"
                    + " description");
        }

        @Test
        @DisplayName("internal fields are refused as if they did not exist")
        void internalField() {
            fieldError("username eq 'admin'", EntityTypes.PLATFORMS)
                    .hasMessageStartingWith("fieldQuery: unknown field 'username' at position 1")
                    .message().doesNotContain("username,").doesNotContain("previous_username");
        }

        @Test
        @DisplayName("field names are case-sensitive")
        void caseSensitive() {
            fieldError("Name eq 'x'").hasMessageStartingWith("fieldQuery: unknown field 'Name' at position 1");
        }

        @Test
        @DisplayName("the common fields are queryable on every type")
        void commonFields() {
            for (EntityType<?> type : EntityTypes.ALL) {
                assertThat(QueryParser.parseFieldQuery(
                        "id eq 'x' and ready eq true and created_at lt 2026-01-01T00:00:00Z", type).criteria())
                        .hasSize(3);
            }
        }
    }

    @Nested
    @DisplayName("labels")
    class Labels {
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"eq", "ne"})
        @DisplayName("eq and ne take one quoted value")
        void singleValued(String op) {
            assertThat(onlyLabel("env " + op + " 'dev'"))
                    .isEqualTo(new LabelCriterion("env", Operator.fromToken(op).orElseThrow(), List.of("dev")));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"in", "notin"})
        @DisplayName("in and notin take a list of quoted values")
        void multiValued(String op) {
            assertThat(onlyLabel("env " + op + " ('dev','prod', 'it''s')"))
                    .isEqualTo(new LabelCriterion("env", Operator.fromToken(op).orElseThrow(),
                            List.of("dev", "prod", "it's")));
        }

        @Test
        @DisplayName("a key is any run of characters without whitespace, quotes, parentheses or commas")
        void keys() {
            Query query = QueryParser.parseLabelQuery(
                    "example.com/team eq 'a' and key=with=equals eq 'b' and \u00e4\u00f6\u00fc:1 eq 'c' and and eq 'd'");
            assertThat(query.criteria()).extracting(c -> ((LabelCriterion) c).key())
                    .containsExactly("example.com/team", "key=with=equals", "\u00e4\u00f6\u00fc:1", "and");
        }

        @Test
        @DisplayName("values that look like numbers, booleans or dates are still strings")
        void valuesAreStrings() {
            assertThat(QueryParser.parseLabelQuery("a eq '3' and b eq 'true' and c eq '2026-11-27T10:15:30Z'")
                    .criteria()).extracting(c -> ((LabelCriterion) c).values().get(0))
                    .containsExactly("3", "true", "2026-11-27T10:15:30Z");
        }

        @Test
        @DisplayName("an unquoted value is refused with a suggestion to quote it")
        void unquotedValue() {
            labelError("replicas eq 3").hasMessage("labelQuery: expected a quoted string at position 13 but found '3'"
                    + " in \"replicas eq 3\"; label values are strings: write '3'");
            labelError("enabled in ('x', true)").hasMessageEndingWith("label values are strings: write 'true'");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"gt", "lt", "ge", "le", "en", "contains"})
        @DisplayName("operators labels do not support are refused, naming the supported ones")
        void unsupportedOperators(String op) {
            labelError("env " + op + " 'dev'").hasMessage("labelQuery: operator '" + op
                    + "' at position 5 is not supported for labels in \"env " + op + " 'dev'\"; "
                    + "labels support eq, ne, in, notin");
        }

        @Test
        @DisplayName("an unknown operator is refused, listing the label operators")
        void unknownOperator() {
            labelError("env is 'dev'").hasMessage("labelQuery: expected an operator (eq, ne, in, notin) at position 5"
                    + " but found 'is' in \"env is 'dev'\"");
        }

        @Test
        @DisplayName("a label query has the same syntax errors as a field query")
        void syntaxErrors() {
            labelError("'env' eq 'dev'").hasMessageStartingWith(
                    "labelQuery: expected a label key at position 1 but found the string 'env'");
            labelError("env eq 'dev").hasMessageStartingWith("labelQuery: unterminated string at position 8");
            labelError("env in ()").hasMessageContaining("'in' needs at least one value");
            labelError("env eq 'dev' and").hasMessageEndingWith("the query must not end with 'and'");
        }
    }

    @Nested
    @DisplayName("syntax errors")
    class SyntaxErrors {
        @Test
        @DisplayName("an unknown operator: what was expected, what was found, where, in which query")
        void unknownOperator() {
            fieldError("name eqq 'x'").hasMessage("fieldQuery: expected an operator (eq, ne, gt, lt, ge, le, in, notin,"
                    + " en, contains) at position 6 but found 'eqq' in \"name eqq 'x'\"");
        }

        @Test
        @DisplayName("operators are lowercase, with a hint when the case is the only problem")
        void uppercaseOperator() {
            fieldError("name EQ 'x'").hasMessageEndingWith("but found 'EQ' in \"name EQ 'x'\"; operators are lowercase:"
                    + " write eq");
            fieldError("name NotIn ('x')").hasMessageEndingWith("operators are lowercase: write notin");
        }

        @Test
        @DisplayName("a missing operator")
        void missingOperator() {
            fieldError("name 'x'").hasMessageStartingWith(
                    "fieldQuery: expected an operator (eq, ne, gt, lt, ge, le, in, notin, en, contains) at position 6"
                            + " but found the string 'x'");
            fieldError("name").hasMessageContaining("at position 5 but found the end of the query");
        }

        @Test
        @DisplayName("a missing value")
        void missingValue() {
            fieldError("name eq").hasMessage("fieldQuery: expected a quoted string for field 'name' at position 8"
                    + " but found the end of the query in \"name eq\"");
            fieldError("name eq and free eq true").hasMessageContaining("at position 9 but found 'and'");
        }

        @Test
        @DisplayName("an unterminated string, pointing at where it starts")
        void unterminatedString() {
            fieldError("name eq 'x").hasMessage("fieldQuery: unterminated string at position 9 in \"name eq 'x\";"
                    + " close it with ' and write '' for a quote inside a string");
            fieldError("name eq 'it''").hasMessageStartingWith("fieldQuery: unterminated string at position 9");
        }

        @Test
        @DisplayName("a single quote inside a string that is not doubled")
        void undoubledQuote() {
            fieldError("name eq 'it's'").hasMessage("fieldQuery: expected 'and' or the end of the query at position 13"
                    + " but found 's' in \"name eq 'it's'\"; to put a quote inside a string, double it: ''");
        }

        @Test
        @DisplayName("a list that is not closed")
        void unclosedList() {
            fieldError("name in ('a', 'b'").hasMessage("fieldQuery: expected ',' or ')' at position 18 but found the"
                    + " end of the query in \"name in ('a', 'b'\"; the list opened at position 9 is not closed");
            fieldError("name in ('a' 'b')").hasMessageContaining("expected ',' or ')' at position 14 but found the"
                    + " string 'b'");
        }

        @Test
        @DisplayName("an empty list")
        void emptyList() {
            fieldError("name in ()").hasMessage("fieldQuery: expected a quoted string for field 'name' at position 10"
                    + " but found ')' in \"name in ()\"; 'in' needs at least one value");
            fieldError("name notin ( )").hasMessageEndingWith("; 'notin' needs at least one value");
        }

        @Test
        @DisplayName("a list with a trailing comma")
        void trailingComma() {
            fieldError("name in ('a',)").hasMessageContaining("at position 14 but found ')'");
            fieldError("name in (,'a')").hasMessageContaining("at position 10 but found ','");
        }

        @Test
        @DisplayName("a list where a single value belongs, and a single value where a list belongs")
        void listMismatch() {
            fieldError("name eq ('x')").hasMessageEndingWith("but found '(' in \"name eq ('x')\"; only 'in' and 'notin'"
                    + " take a list of values");
            fieldError("name in 'x'").hasMessage("fieldQuery: expected '(' after 'in' at position 9 but found the"
                    + " string 'x' in \"name in 'x'\"; 'in' takes a list of values in parentheses, such as ('a', 'b')");
        }

        @Test
        @DisplayName("a trailing and")
        void trailingAnd() {
            fieldError("name eq 'x' and").hasMessage("fieldQuery: expected a field name at position 16 but found the"
                    + " end of the query in \"name eq 'x' and\"; the query must not end with 'and'");
            fieldError("name eq 'x' and ").hasMessageContaining("at position 17");
        }

        @Test
        @DisplayName("dangling tokens after a predicate")
        void danglingTokens() {
            fieldError("name eq 'x' 'y'").hasMessage("fieldQuery: expected 'and' or the end of the query at position 13"
                    + " but found the string 'y' in \"name eq 'x' 'y'\"");
            fieldError("name eq 'x')").hasMessageContaining("at position 12 but found ')'");
            fieldError("name eq 'x' free eq true").hasMessageContaining("at position 13 but found 'free'");
        }

        @Test
        @DisplayName("and in another case, or or, get a hint")
        void otherConnectives() {
            fieldError("name eq 'x' AND free eq true").hasMessageEndingWith("; 'and' is lowercase");
            fieldError("name eq 'x' or free eq true").hasMessageEndingWith("; only 'and' is supported");
        }

        @Test
        @DisplayName("a query cannot start with something other than a name")
        void badStart() {
            fieldError("(name eq 'x')").hasMessageStartingWith(
                    "fieldQuery: expected a field name at position 1 but found '('");
            fieldError("and name eq 'x'").hasMessageStartingWith("fieldQuery: unknown field 'and' at position 1");
            fieldError("  , name eq 'x'").hasMessageStartingWith(
                    "fieldQuery: expected a field name at position 3 but found ','");
        }

        @Test
        @DisplayName("positions count characters as people see them, so an emoji is one position")
        void positionsInCodePoints() {
            fieldError("name eq '\uD83D\uDE00' x").hasMessageContaining("at position 13 but found 'x'");
        }

        @Test
        @DisplayName("control characters are shown escaped so the message stays on one line")
        void controlCharactersEscaped() {
            fieldError("name\teqq\n'x'\u0001").hasMessageContaining("in \"name\\teqq\\n'x'\\u0001\"")
                    .message().doesNotContain("\n").doesNotContain("\t");
        }

        @Test
        @DisplayName("a long query is quoted around the error only, and long tokens are cut")
        void longQueriesAreExcerpted() {
            String prefix = "name eq '" + "a".repeat(300) + "' and ";
            String word = "b".repeat(100);
            fieldError(prefix + word + " eq 'x'").satisfies(e -> {
                String message = e.getMessage();
                assertThat(message).startsWith("fieldQuery: unknown field '" + "b".repeat(40) + "...' at position 316")
                        .contains(" in \"..." + "a".repeat(54) + "' and " + "b".repeat(60) + "...\"")
                        .hasSizeLessThan(500);
            });
        }
    }

    @Nested
    @DisplayName("limits")
    class Limits {
        @Test
        @DisplayName("a query of exactly 8 KiB is accepted")
        void atSizeLimit() {
            String head = "name eq '";
            String text = head + "x".repeat(QueryParser.MAX_QUERY_BYTES - head.length() - 1) + "'";
            assertThat(text).hasSize(8192);
            assertThat(onlyField(text).values()).hasSize(1);
        }

        @Test
        @DisplayName("a query over 8 KiB is refused before any parsing, counting UTF-8 bytes")
        void overSizeLimit() {
            fieldError("x".repeat(8193)).hasMessage("fieldQuery: the query is too long; at most 8192 bytes are allowed");
            labelError("x".repeat(1_000_000)).hasMessage(
                    "labelQuery: the query is too long; at most 8192 bytes are allowed");
            String emojis = "name eq '" + "\uD83D\uDE00".repeat(2046) + "'";
            assertThat(emojis.length()).isLessThan(8192);
            fieldError(emojis).hasMessageContaining("too long");
        }

        @Test
        @DisplayName("100 criteria are accepted, the 101st is refused")
        void criteriaLimit() {
            String hundred = IntStream.range(0, 100).mapToObj(i -> "name ne '" + i + "'")
                    .collect(Collectors.joining(" and "));
            assertThat(fields(hundred).criteria()).hasSize(100);
            int start = hundred.length() + " and ".length() + 1;
            fieldError(hundred + " and name eq 'x'").hasMessageStartingWith(
                    "fieldQuery: too many criteria at position " + start)
                    .hasMessageEndingWith("; at most 100 are allowed");
            labelError(hundred.replace("name ne", "k eq") + " and k eq 'x'").hasMessageContaining("too many criteria");
        }

        @Test
        @DisplayName("deeply nested or repeated punctuation fails cleanly instead of overflowing the stack")
        void pathologicalInputs() {
            for (String text : List.of("(".repeat(8000), "name in " + "(".repeat(8000), "'".repeat(8001),
                    "name in ('a'" + ",".repeat(8000), "a ".repeat(4000))) {
                fieldError(text);
                labelError(text);
            }
            assertThat(onlyField("name eq " + "'".repeat(8000)).values()).containsExactly("'".repeat(3999));
        }
    }

    @Test
    @DisplayName("criteria of a parsed query carry values of their field's Java type")
    void valueTypes() {
        for (Criterion c : fields("name eq 'a' and free eq true and maximum_polling_duration eq 1"
                + " and created_at eq 2026-01-01T00:00:00Z").criteria()) {
            FieldCriterion f = (FieldCriterion) c;
            assertThat(f.values().get(0)).isInstanceOf(PLANS.field(f.field()).orElseThrow().type().javaType());
        }
    }
}
