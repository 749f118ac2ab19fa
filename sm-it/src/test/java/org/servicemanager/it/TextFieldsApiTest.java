package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.http.ApiResponse;

/**
 * Names, descriptions and labels hold only what can be stored, shown and sent as it came. Bodies are
 * written as JSON text here, since an unpaired surrogate has no UTF-8 form and exists in a request
 * only as a JSON escape ({@code \ud800}).
 */
@DisplayName("Text fields: names, descriptions and labels")
class TextFieldsApiTest extends ApiTestBase {

    /** A JSON string literal of {@code n} times {@code c}. */
    private static String repeated(String c, int n) {
        return "\"" + c.repeat(n) + "\"";
    }

    /** Bad names as JSON string literals, with what the description must say. */
    static Stream<Arguments> badNames() {
        return Stream.of(
                Arguments.of("NUL", "\"a\\u0000b\"", "must not contain control characters (U+0000 at index 1)"),
                Arguments.of("a bell", "\"a\\u0007\"", "must not contain control characters (U+0007 at index 1)"),
                Arguments.of("a line break", "\"a\\nb\"", "must not contain control characters (U+000A at index 1)"),
                Arguments.of("an unpaired high surrogate", "\"ab\\ud800\"",
                        "contains an unpaired surrogate (U+D800 at index 2)"),
                Arguments.of("an unpaired low surrogate", "\"\\udc00x\"",
                        "contains an unpaired surrogate (U+DC00 at index 0)"),
                Arguments.of("256 characters", repeated("n", 256), "must be at most 255 characters long, was 256"),
                Arguments.of("100,000 characters", repeated("n", 100_000),
                        "must be at most 255 characters long, was 100000"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badNames")
    @DisplayName("a platform name with control characters, unpaired surrogates or over 255 characters is 400 "
            + "naming the field, and nothing is stored")
    void badPlatformName(String what, String name, String problem) {
        int before = items("/v1/platforms").size();

        ApiResponse response = admin.post("/v1/platforms", "{\"name\":" + name + ",\"type\":\"cloudfoundry\"}");

        assertError(response, 400, "BadRequest");
        assertThat(description(response)).isEqualTo("field 'name' " + problem);
        assertThat(items("/v1/platforms")).hasSize(before);
    }

    @Test
    @DisplayName("a platform name of 255 characters, counted as characters not UTF-16 units, is accepted")
    void longestName() {
        String emoji = "\\ud83d\\ude00";
        ApiResponse response = admin.post("/v1/platforms", "{\"name\":\"" + emoji.repeat(255)
                + "\",\"type\":\"cloudfoundry\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("name").asText()).isEqualTo("\ud83d\ude00".repeat(255));
    }

    @Test
    @DisplayName("a platform type follows the name rules")
    void badPlatformType() {
        ApiResponse response = admin.post("/v1/platforms", json("name", unique("p"), "type", "k8s\u0000"));

        assertError(response, 400, "BadRequest");
        assertThat(description(response)).startsWith("field 'type' must not contain control characters");
    }

    @Test
    @DisplayName("a PATCH to a bad platform name is 400 and keeps the name")
    void badPlatformNameInPatch() {
        String name = unique("keep");
        String id = createPlatform(name).get("id").asText();

        ApiResponse response = admin.patch("/v1/platforms/" + id, "{\"name\":\"x\\ud800\"}");

        assertError(response, 400, "BadRequest");
        assertThat(description(response)).startsWith("field 'name' contains an unpaired surrogate");
        assertThat(admin.get("/v1/platforms/" + id).json().get("name").asText()).isEqualTo(name);
    }

    @Test
    @DisplayName("a broker name follows the name rules, and the broker is not called")
    void badBrokerName() {
        FakeBroker broker = broker();

        ApiResponse response = admin.post("/v1/service_brokers", brokerBody("n".repeat(300), broker.url()));

        assertError(response, 400, "BadRequest");
        assertThat(description(response)).isEqualTo("field 'name' must be at most 255 characters long, was 300");
        assertThat(broker.requests()).isEmpty();
    }

    @Test
    @DisplayName("a description may span lines and hold tabs, up to 10,000 characters")
    void multiLineDescription() {
        ApiResponse response = admin.post("/v1/platforms", json("name", unique("p"), "type", "cf",
                "description", "line one\n\tline two\r\n" + "d".repeat(9_980)));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }

    @Test
    @DisplayName("a description with NUL, an unpaired surrogate or over 10,000 characters is 400 naming the field")
    void badDescription() {
        assertThat(description(admin.post("/v1/platforms", "{\"name\":\"" + unique("p")
                + "\",\"type\":\"cf\",\"description\":\"a\\u0000\"}")))
                .isEqualTo("field 'description' must not contain control characters (U+0000 at index 1)");
        assertThat(description(admin.post("/v1/platforms", "{\"name\":\"" + unique("p")
                + "\",\"type\":\"cf\",\"description\":\"\\udfff\"}")))
                .isEqualTo("field 'description' contains an unpaired surrogate (U+DFFF at index 0)");
        ApiResponse tooLong = admin.post("/v1/platforms", json("name", unique("p"), "type", "cf",
                "description", "d".repeat(10_001)));
        assertError(tooLong, 400, "BadRequest");
        assertThat(description(tooLong)).isEqualTo("field 'description' must be at most 10000 characters long, "
                + "was 10001");
    }

    @Test
    @DisplayName("a label key with an unpaired surrogate is 400 naming the key, in a POST and in a PATCH")
    void badLabelKey() {
        ApiResponse created = admin.post("/v1/platforms", "{\"name\":\"" + unique("p")
                + "\",\"type\":\"cf\",\"labels\":{\"k\\ud800\":[\"v\"]}}");
        assertError(created, 400, "BadRequest");
        assertThat(description(created)).contains("surrogate");

        String id = createPlatform().get("id").asText();
        ApiResponse patched = admin.patch("/v1/platforms/" + id,
                "{\"labels\":[{\"op\":\"add\",\"key\":\"k\\ud800\",\"values\":[\"v\"]}]}");
        assertError(patched, 400, "BadRequest");
        assertThat(description(patched)).isEqualTo("field 'labels[0].key' contains an unpaired surrogate "
                + "(U+D800 at index 1)");
    }

    @Test
    @DisplayName("a label value with NUL or another control character is 400, in a POST and in a PATCH")
    void badLabelValue() {
        ApiResponse created = admin.post("/v1/platforms", "{\"name\":\"" + unique("p")
                + "\",\"type\":\"cf\",\"labels\":{\"k\":[\"a\\u0000\"]}}");
        assertError(created, 400, "BadRequest");
        assertThat(description(created)).contains("'labels.k[0]'").contains("U+0000");

        String id = createPlatform().get("id").asText();
        ApiResponse patched = admin.patch("/v1/platforms/" + id,
                "{\"labels\":[{\"op\":\"add\",\"key\":\"k\",\"values\":[\"tab\\there\"]}]}");
        assertError(patched, 400, "BadRequest");
        assertThat(description(patched)).isEqualTo("a value of label 'k' must not contain control characters "
                + "(U+0009 at index 3)");
    }

    @Test
    @DisplayName("an id field with NUL is 400 naming the field, not a store error")
    void badReference() {
        ApiResponse response = admin.post("/v1/visibilities", "{\"service_plan_id\":\"plan\\u0000\"}");

        assertError(response, 400, "BadRequest");
        assertThat(description(response)).isEqualTo("field 'service_plan_id' must not contain control characters "
                + "(U+0000 at index 4)");
    }
}
