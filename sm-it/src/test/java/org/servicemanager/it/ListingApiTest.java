package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("listing: fieldQuery, labelQuery and paging")
class ListingApiTest extends ApiTestBase {
    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>; rel=\"next\"");

    private String run;
    private String alpha;
    private String beta;
    private String quoted;
    private JsonNode betaJson;

    @BeforeAll
    void createPlatforms() {
        run = unique("run");
        alpha = create(run + "-alpha", "cloudfoundry", "first one", map("run", List.of(run), "env", List.of("dev"),
                "team", List.of("a", "b")));
        betaJson = admin.post("/v1/platforms", json("name", run + "-beta", "type", "kubernetes", "labels",
                map("run", List.of(run), "env", List.of("prod")))).json();
        beta = betaJson.get("id").asText();
        quoted = create(run + "-it's", "cloudfoundry", "third", map("run", List.of(run), "env",
                List.of("dev", "prod"), "note", List.of("say 'hi'")));
    }

    private String create(String name, String type, String description, Object labels) {
        ApiResponse response = admin.post("/v1/platforms", json("name", name, "type", type, "description",
                description, "labels", labels));
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json().get("id").asText();
    }

    /** The ids of this class's platforms that match the field query. */
    private Set<String> matching(String fieldQuery) {
        ApiResponse response = admin.get("/v1/platforms?fieldQuery=" + q(fieldQuery) + "&labelQuery="
                + q("run eq '" + run + "'"));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return ids(response.json());
    }

    private Set<String> matchingLabels(String labelQuery) {
        ApiResponse response = admin.get("/v1/platforms?labelQuery=" + q("run eq '" + run + "' and " + labelQuery));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return ids(response.json());
    }

    @Test
    @DisplayName("items come in creation order")
    void creationOrder() {
        ApiResponse response = admin.get("/v1/platforms?labelQuery=" + q("run eq '" + run + "'"));

        List<String> order = new ArrayList<>();
        response.json().get("items").forEach(i -> order.add(i.get("id").asText()));
        assertThat(order).containsExactly(alpha, beta, quoted);
    }

    @Test
    @DisplayName("paging stays stable while items are added: no duplicates, nothing skipped, new ones at the end")
    void stableWhileAdding() {
        String batch = unique("batch");
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            created.add(create(batch + "-" + i, "cf", null, map("batch", List.of(batch))));
        }
        String next = "/v1/platforms?max_items=2&labelQuery=" + q("batch eq '" + batch + "'");
        List<String> seen = new ArrayList<>();
        boolean added = false;
        while (next != null) {
            ApiResponse response = admin.get(next);
            response.json().get("items").forEach(i -> seen.add(i.get("id").asText()));
            if (!added) {
                created.add(create(batch + "-late", "cf", null, map("batch", List.of(batch))));
                added = true;
            }
            next = response.header("Link").map(link -> {
                Matcher m = NEXT_LINK.matcher(link);
                return m.matches() ? m.group(1) : null;
            }).orElse(null);
        }

        assertThat(seen).containsExactlyElementsOf(created);
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @DisplayName("field operators")
    class FieldOperators {
        @Test
        @DisplayName("eq matches equal values")
        void eq() {
            assertThat(matching("name eq '" + run + "-alpha'")).containsExactly(alpha);
        }

        @Test
        @DisplayName("ne matches different values")
        void ne() {
            assertThat(matching("type ne 'cloudfoundry'")).containsExactly(beta);
        }

        @Test
        @DisplayName("in matches any of the listed values")
        void in() {
            assertThat(matching("name in ('" + run + "-alpha', '" + run + "-beta', 'other')"))
                    .containsExactlyInAnyOrder(alpha, beta);
        }

        @Test
        @DisplayName("notin matches none of the listed values")
        void notin() {
            assertThat(matching("type notin ('cloudfoundry')")).containsExactly(beta);
        }

        @Test
        @DisplayName("contains matches substrings")
        void contains() {
            assertThat(matching("name contains 'alph'")).containsExactly(alpha);
        }

        @Test
        @DisplayName("en matches the value or null")
        void en() {
            assertThat(matching("description en 'first one'")).containsExactlyInAnyOrder(alpha, beta);
        }

        @Test
        @DisplayName("gt, ge, lt and le compare date-times")
        void comparisons() {
            String at = betaJson.get("created_at").asText();

            assertThat(matching("created_at gt '" + at + "'")).containsExactly(quoted);
            assertThat(matching("created_at ge '" + at + "'")).containsExactlyInAnyOrder(beta, quoted);
            assertThat(matching("created_at lt " + at)).containsExactly(alpha);
            assertThat(matching("created_at le " + at)).containsExactlyInAnyOrder(alpha, beta);
        }

        @Test
        @DisplayName("booleans are written true and false")
        void booleans() {
            assertThat(matching("ready eq true")).containsExactlyInAnyOrder(alpha, beta, quoted);
            assertThat(matching("ready eq false")).isEmpty();
        }

        @Test
        @DisplayName("predicates joined by and must all match")
        void and() {
            assertThat(matching("type eq 'cloudfoundry' and description eq 'third'")).containsExactly(quoted);
        }

        @Test
        @DisplayName("whitespace between tokens may be several spaces")
        void multipleSpaces() {
            assertThat(matching("  type   eq    'cloudfoundry'    and   name  in  ( '" + run + "-alpha' ,  'x' ) "))
                    .containsExactly(alpha);
        }

        @Test
        @DisplayName("a doubled quote in a string literal stands for one quote")
        void escapedQuote() {
            assertThat(matching("name eq '" + run + "-it''s'")).containsExactly(quoted);
        }

        @Test
        @DisplayName("the query may be URL-encoded with + or %20 for spaces")
        void urlEncoding() {
            String plus = admin.get("/v1/platforms?fieldQuery=name+eq+%27" + run + "-alpha%27").body();
            String percent = admin.get("/v1/platforms?fieldQuery=name%20eq%20%27" + run + "-alpha%27").body();

            assertThat(ids(parse(plus))).containsExactly(alpha);
            assertThat(ids(parse(percent))).containsExactly(alpha);
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @DisplayName("label operators")
    class LabelOperators {
        @Test
        @DisplayName("eq matches when one value of the label equals the literal")
        void eq() {
            assertThat(matchingLabels("env eq 'dev'")).containsExactlyInAnyOrder(alpha, quoted);
            assertThat(matchingLabels("team eq 'b'")).containsExactly(alpha);
        }

        @Test
        @DisplayName("ne matches when the label exists and no value equals the literal")
        void ne() {
            assertThat(matchingLabels("env ne 'dev'")).containsExactly(beta);
        }

        @Test
        @DisplayName("in matches when a value is in the list")
        void in() {
            assertThat(matchingLabels("env in ('prod', 'qa')")).containsExactlyInAnyOrder(beta, quoted);
        }

        @Test
        @DisplayName("notin matches when the label exists and no value is in the list")
        void notin() {
            assertThat(matchingLabels("env notin ('prod')")).containsExactly(alpha);
        }

        @Test
        @DisplayName("a label key no entity has matches nothing, with 200")
        void unknownKey() {
            assertThat(matchingLabels("no_such_key eq 'x'")).isEmpty();
        }

        @Test
        @DisplayName("label values may contain escaped quotes")
        void quotedValue() {
            assertThat(matchingLabels("note eq 'say ''hi'''")).containsExactly(quoted);
        }

        @Test
        @DisplayName("fieldQuery and labelQuery together must both match")
        void combined() {
            assertThat(matching("type eq 'cloudfoundry'")).containsExactlyInAnyOrder(alpha, quoted);
            ApiResponse response = admin.get("/v1/platforms?fieldQuery=" + q("type eq 'cloudfoundry'")
                    + "&labelQuery=" + q("run eq '" + run + "' and env eq 'prod'"));
            assertThat(ids(response.json())).containsExactly(quoted);
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @DisplayName("invalid queries")
    class InvalidQueries {
        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
                "nmae eq 'x'                 | nmae",
                "username eq 'x'             | username",
                "ready eq 'yes'              | ready",
                "ready eq yes                | ready",
                "created_at eq 'not-a-date'  | created_at",
                "name eq alpha               | alpha",
                "name gt 'a'                 | gt",
                "ready contains 'x'          | contains",
                "name eq                     | end",
                "name 'x'                    | operator",
                "name eq 'x' or type eq 'y'  | or",
                "name eq 'x' and             | and",
                "name eq 'unterminated       | unterminated",
                "name in 'x'                 | (",
                "name in ()                  | value",
                "name EQ 'x'                 | EQ"})
        @DisplayName("a bad fieldQuery is 400 InvalidFieldQuery pointing at the offending part")
        void badFieldQuery(String query, String pointsAt) {
            ApiResponse response = admin.get("/v1/platforms?fieldQuery=" + q(query));

            assertError(response, 400, "InvalidFieldQuery");
            assertThat(description(response)).contains(pointsAt);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"env gt 'a'", "env lt 'a'", "env ge 'a'", "env le 'a'", "env en 'a'",
                "env contains 'a'"})
        @DisplayName("an operator labels do not support is 400 InvalidLabelQuery")
        void unsupportedLabelOperator(String query) {
            ApiResponse response = admin.get("/v1/platforms?labelQuery=" + q(query));

            assertError(response, 400, "InvalidLabelQuery");
            assertThat(description(response)).contains(query.split(" ")[1]);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"env eq dev", "env eq", "env", "env eq 'a' or x eq 'b'", "eq 'a'",
                "env in ('a'"})
        @DisplayName("a labelQuery with bad syntax is 400 InvalidLabelQuery")
        void badLabelSyntax(String query) {
            assertError(admin.get("/v1/platforms?labelQuery=" + q(query)), 400, "InvalidLabelQuery");
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @DisplayName("paging")
    class Paging {
        private static final int PLANS = 501;
        private String byOffering;

        @BeforeAll
        void registerManyPlans() {
            Catalogs.Offering offering = Catalogs.offering("many");
            for (int i = 0; i < PLANS; i++) {
                offering.plan(Catalogs.plan("plan-" + i));
            }
            String brokerId = registerBroker(broker().catalog(Catalogs.of(offering))).get("id").asText();
            String offeringId = offeringsOfBroker(brokerId).get(0).get("id").asText();
            byOffering = "/v1/service_plans?fieldQuery=" + q("service_offering_id eq '" + offeringId + "'");
        }

        @Test
        @DisplayName("without max_items a page has 50 items, num_items counts all, and a token and Link follow")
        void defaultPageSize() {
            ApiResponse response = admin.get(byOffering);

            JsonNode body = response.json();
            assertThat(body.get("items")).hasSize(50);
            assertThat(body.get("num_items").asInt()).isEqualTo(PLANS);
            assertThat(body.get("token").asText()).isNotBlank();
            assertThat(response.header("Link")).hasValueSatisfying(link -> assertThat(link)
                    .matches(NEXT_LINK).contains("token=" + body.get("token").asText()));
        }

        @Test
        @DisplayName("max_items above 500 is capped at 500")
        void cap() {
            JsonNode body = admin.get(byOffering + "&max_items=100000").json();

            assertThat(body.get("items")).hasSize(500);
            assertThat(body.has("token")).isTrue();
        }

        @Test
        @DisplayName("a max_items too large for an int is capped at 500 too, not refused")
        void hugeMaxItems() {
            ApiResponse response = admin.get(byOffering + "&max_items=99999999999");

            assertThat(response.status()).as(response.body()).isEqualTo(200);
            assertThat(response.json().get("items")).hasSize(500);
        }

        @Test
        @DisplayName("max_items=0 answers num_items with no items and no token")
        void zero() {
            ApiResponse response = admin.get(byOffering + "&max_items=0");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.json().get("num_items").asInt()).isEqualTo(PLANS);
            assertThat(response.json().get("items")).isEmpty();
            assertThat(response.json().has("token")).isFalse();
        }

        @ParameterizedTest(name = "max_items={0}")
        @ValueSource(strings = {"-1", "abc", "1.5", "", "1e3", "+5", " 5"})
        @DisplayName("max_items that is not a non-negative integer is 400")
        void badMaxItems(String value) {
            assertError(admin.get(byOffering + "&max_items=" + q(value)), 400, "BadRequest");
        }

        @Test
        @DisplayName("following the Link header walks every item exactly once, and the last page has no token")
        void walk() {
            List<String> seen = new ArrayList<>();
            String next = byOffering + "&max_items=40";
            int pages = 0;
            while (next != null) {
                ApiResponse response = admin.get(next);
                assertThat(response.status()).as(response.body()).isEqualTo(200);
                response.json().get("items").forEach(i -> seen.add(i.get("id").asText()));
                pages++;
                next = response.header("Link").map(link -> {
                    Matcher m = NEXT_LINK.matcher(link);
                    assertThat(m.matches()).isTrue();
                    return m.group(1);
                }).orElse(null);
                assertThat(response.json().has("token")).isEqualTo(next != null);
            }

            assertThat(pages).isEqualTo(13);
            assertThat(seen).hasSize(PLANS);
            assertThat(new HashSet<>(seen)).hasSize(PLANS);
        }

        @Test
        @DisplayName("an empty token means the first page")
        void emptyToken() {
            JsonNode first = admin.get(byOffering + "&max_items=5").json();
            JsonNode withEmpty = admin.get(byOffering + "&max_items=5&token=").json();

            assertThat(ids(withEmpty)).isEqualTo(ids(first));
        }

        @ParameterizedTest(name = "token={0}")
        @ValueSource(strings = {"garbage", "!!!", "MTpwbGF0Zm9ybXM", "AAAA"})
        @DisplayName("a malformed token is 400 InvalidToken")
        void malformedToken(String token) {
            assertError(admin.get(byOffering + "&token=" + q(token)), 400, "InvalidToken");
        }

        @Test
        @DisplayName("a token issued for another resource type is 400 InvalidToken")
        void tokenOfOtherType() {
            String platformToken = admin.get("/v1/platforms?max_items=1").json().get("token").asText();

            assertError(admin.get(byOffering + "&token=" + q(platformToken)), 400, "InvalidToken");
        }
    }
}
