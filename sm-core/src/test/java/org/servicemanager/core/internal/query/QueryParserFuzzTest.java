package org.servicemanager.core.internal.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.InvalidFieldQueryException;
import org.servicemanager.api.InvalidLabelQueryException;
import org.servicemanager.api.query.Criterion;
import org.servicemanager.api.query.Criterion.FieldCriterion;
import org.servicemanager.api.query.Criterion.LabelCriterion;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.store.EntityType;
import org.servicemanager.api.store.EntityTypes;

/**
 * Throws generated junk at the parser. The seed is fixed so a failure reproduces; the timeout
 * guards against hangs and is far above the second or so this takes.
 */
@DisplayName("QueryParser under random input")
class QueryParserFuzzTest {
    private static final EntityType<?> PLANS = EntityTypes.SERVICE_PLANS;
    private static final int ROUNDS = 12_000;

    private static final List<String> FRAGMENTS = List.of(
            "name", "free", "maximum_polling_duration", "created_at", "description", "ready", "env", "username",
            "eq", "ne", "gt", "lt", "ge", "le", "in", "notin", "en", "contains", "EQ", "and", "AND", "or",
            "'", "''", "'x'", "'a b'", "' and '", "'(,)'", "(", ")", ",", " ", "  ", "\t", "\n",
            "true", "false", "TRUE", "0", "42", "-7", "+3", "9223372036854775807", "-9223372036854775809",
            "3.5", "1e9", "2026-11-27T10:15:30Z", "2026-11-27T10:15:30.123456+02:00", "'2026-11-27T10:15:30Z'",
            "2026-13-45T99:99:99Z", "+999999999-12-31T23:59:59Z", "\uD83D\uDE00", "\uD83D", "\uDE00", "\u0000",
            "\u00e4", "\u00a0", "\u2028", "+", "-", ":", "T", "Z", "=", "\\", "\"");

    private static final String RANDOM_ALPHABET = "ab'(),  eqintrufls0123-:TZ";

    private static final List<String> VALID = List.of(
            "name eq 'x'",
            "name in ('a', 'b') and free eq true",
            "maximum_polling_duration ge -5 and created_at lt 2026-11-27T10:15:30Z",
            "description contains ' and ' and ready ne false",
            "created_at in ('2026-11-27T10:15:30Z', 2026-11-28T00:00:00.5+01:00)",
            "name notin ('it''s', '(', ',') and maximum_polling_duration en 0",
            "env eq 'dev' and region in ('eu','us') and tier notin ('x')");

    @Test
    @DisplayName("random and mutated queries either parse or fail with the query's own exception, never hang")
    void randomInput() {
        Random random = new Random(20261127L);
        Stats stats = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            Stats s = new Stats();
            for (int i = 0; i < ROUNDS; i++) {
                check(fromFragments(random), s);
                check(mutate(VALID.get(random.nextInt(VALID.size())), random), s);
                check(randomChars(random), s);
            }
            return s;
        });
        // the generators must reach both outcomes, or this test proves little
        assertThat(stats.parsed).isGreaterThan(ROUNDS / 20);
        assertThat(stats.refused).isGreaterThan(ROUNDS);
    }

    @Test
    @DisplayName("the largest accepted inputs of the worst shapes parse well within the time guard")
    void worstCaseSizes() {
        Random random = new Random(7L);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            Stats s = new Stats();
            for (int i = 0; i < 200; i++) {
                StringBuilder text = new StringBuilder();
                while (text.length() < QueryParser.MAX_QUERY_BYTES - 64) {
                    text.append(FRAGMENTS.get(random.nextInt(FRAGMENTS.size())));
                }
                check(text.toString(), s);
                check(text.toString().replace('"', '\''), s);
            }
        });
    }

    private static void check(String text, Stats stats) {
        attempt(text, t -> QueryParser.parseFieldQuery(t, PLANS), InvalidFieldQueryException.class, "fieldQuery: ",
                stats);
        attempt(text, QueryParser::parseLabelQuery, InvalidLabelQueryException.class, "labelQuery: ", stats);
    }

    private static void attempt(String text, Function<String, Query> parser, Class<? extends Exception> expected,
            String prefix, Stats stats) {
        Query query;
        try {
            query = parser.apply(text);
        } catch (RuntimeException e) {
            assertThat(e).as("error for input %s", visible(text)).isExactlyInstanceOf(expected);
            assertThat(e.getMessage()).as("message for input %s", visible(text)).startsWith(prefix)
                    .doesNotContain("\n").hasSizeLessThan(1500);
            stats.refused++;
            return;
        }
        stats.parsed++;
        assertThat(query.criteria()).hasSizeLessThanOrEqualTo(QueryParser.MAX_CRITERIA);
        for (Criterion c : query.criteria()) {
            if (c instanceof FieldCriterion f) {
                Class<?> javaType = PLANS.field(f.field()).orElseThrow().type().javaType();
                assertThat(f.values()).allSatisfy(v -> assertThat(v).isInstanceOf(javaType));
            } else {
                assertThat(((LabelCriterion) c).operator().supportsLabels()).isTrue();
            }
        }
    }

    private static String fromFragments(Random random) {
        StringBuilder text = new StringBuilder();
        int n = 1 + random.nextInt(24);
        for (int i = 0; i < n; i++) {
            text.append(FRAGMENTS.get(random.nextInt(FRAGMENTS.size())));
            if (random.nextInt(3) > 0) {
                text.append(' ');
            }
        }
        return text.toString();
    }

    private static String mutate(String valid, Random random) {
        StringBuilder text = new StringBuilder(valid);
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            int at = random.nextInt(text.length() + 1);
            switch (random.nextInt(5)) {
                case 0 -> {
                    if (at < text.length()) {
                        text.deleteCharAt(at);
                    }
                }
                case 1 -> text.insert(at, FRAGMENTS.get(random.nextInt(FRAGMENTS.size())));
                case 2 -> text.insert(at, "'()', \t".charAt(random.nextInt(7)));
                case 3 -> {
                    int end = Math.min(text.length(), at + random.nextInt(12));
                    text.insert(at, text.substring(at, end));
                }
                default -> {
                    if (at < text.length()) {
                        text.setCharAt(at, (char) random.nextInt(0x3000));
                    }
                }
            }
        }
        return text.toString();
    }

    private static String randomChars(Random random) {
        char[] chars = new char[random.nextInt(40)];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = random.nextInt(4) == 0 ? (char) random.nextInt(0x10000)
                    : RANDOM_ALPHABET.charAt(random.nextInt(RANDOM_ALPHABET.length()));
        }
        return new String(chars);
    }

    private static String visible(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.chars().forEach(c -> out.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", c) : String.valueOf((char) c)));
        return out.append('"').toString();
    }

    private static final class Stats {
        int parsed;
        int refused;
    }
}
