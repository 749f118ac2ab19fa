package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.servicemanager.test.http.ApiResponse;

@DisplayName("labels on POST and PATCH")
class LabelsApiTest extends ApiTestBase {

    private ApiResponse createWithLabels(Object labels) {
        return admin.post("/v1/platforms", json("name", unique("p"), "type", "cf", "labels", labels));
    }

    private String platformWithLabels(Map<String, List<String>> labels) {
        ApiResponse response = createWithLabels(labels);
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json().get("id").asText();
    }

    private ApiResponse patchLabels(String id, Object... ops) {
        return admin.patch("/v1/platforms/" + id, json("labels", List.of(ops)));
    }

    private JsonNode labelsOf(String id) {
        return admin.get("/v1/platforms/" + id).json().get("labels");
    }

    static Map<String, Object> op(String op, String key, String... values) {
        return values.length == 0 ? map("op", op, "key", key) : map("op", op, "key", key, "values", List.of(values));
    }

    @Test
    @DisplayName("POST stores labels as an object of string arrays")
    void postLabels() {
        String id = platformWithLabels(Map.of("env", List.of("dev", "test"), "team", List.of("x")));

        JsonNode labels = labelsOf(id);
        assertThat(labels.get("env")).extracting(JsonNode::asText).containsExactly("dev", "test");
        assertThat(labels.get("team")).extracting(JsonNode::asText).containsExactly("x");
    }

    @Test
    @DisplayName("POST without labels answers an empty labels object")
    void noLabels() {
        JsonNode created = createPlatform();

        assertThat(created.get("labels").isObject()).isTrue();
        assertThat(created.get("labels").size()).isZero();
    }

    static Stream<Arguments> badLabels() {
        return Stream.of(
                Arguments.of("a key with a space", Map.of("has space", List.of("v"))),
                Arguments.of("a key with =", Map.of("a=b", List.of("v"))),
                Arguments.of("a key with ,", Map.of("a,b", List.of("v"))),
                Arguments.of("a key with a quote", Map.of("it's", List.of("v"))),
                Arguments.of("a key with parentheses", Map.of("f(x)", List.of("v"))),
                Arguments.of("an empty key", Map.of("", List.of("v"))),
                Arguments.of("a key of 101 characters", Map.of("k".repeat(101), List.of("v"))),
                Arguments.of("an empty value", Map.of("k", List.of(""))),
                Arguments.of("a value with a newline", Map.of("k", List.of("a\nb"))),
                Arguments.of("a value of 256 characters", Map.of("k", List.of("v".repeat(256)))),
                Arguments.of("no values", Map.of("k", List.of())),
                Arguments.of("a value that is not a string", Map.of("k", List.of(1))),
                Arguments.of("values that are not an array", Map.of("k", "v")),
                Arguments.of("labels that are not an object", List.of("k")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badLabels")
    @DisplayName("POST with invalid labels is 400 and creates nothing")
    void badPostLabels(String what, Object labels) {
        String name = unique("p");
        ApiResponse response = admin.post("/v1/platforms", json("name", name, "type", "cf", "labels", labels));

        assertError(response, 400, "BadRequest");
        assertThat(admin.get("/v1/platforms?fieldQuery=" + q("name eq '" + name + "'")).json().get("num_items")
                .asInt()).isZero();
    }

    @Test
    @DisplayName("a key of 100 characters and a value of 255 are accepted")
    void limits() {
        assertThat(createWithLabels(Map.of("k".repeat(100), List.of("v".repeat(255)))).status()).isEqualTo(201);
    }

    @Test
    @DisplayName("add creates a new key with its values")
    void addNewKey() {
        String id = platformWithLabels(Map.of());

        ApiResponse response = patchLabels(id, op("add", "env", "dev", "test"));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().at("/labels/env")).extracting(JsonNode::asText).containsExactly("dev", "test");
    }

    @Test
    @DisplayName("add on an existing key adds the new values and keeps the old ones, without duplicates")
    void addToExistingKey() {
        String id = platformWithLabels(Map.of("env", List.of("dev")));

        patchLabels(id, op("add", "env", "dev", "prod"));

        assertThat(labelsOf(id).get("env")).extracting(JsonNode::asText).containsExactlyInAnyOrder("dev", "prod");
    }

    @Test
    @DisplayName("add_values adds values like add")
    void addValues() {
        String id = platformWithLabels(Map.of("env", List.of("dev")));

        assertThat(patchLabels(id, op("add_values", "env", "qa")).status()).isEqualTo(200);

        assertThat(labelsOf(id).get("env")).extracting(JsonNode::asText).containsExactlyInAnyOrder("dev", "qa");
    }

    @Test
    @DisplayName("remove without values removes the whole key")
    void removeKey() {
        String id = platformWithLabels(Map.of("env", List.of("dev", "qa"), "team", List.of("x")));

        assertThat(patchLabels(id, op("remove", "env")).status()).isEqualTo(200);

        assertThat(labelsOf(id).has("env")).isFalse();
        assertThat(labelsOf(id).has("team")).isTrue();
    }

    @Test
    @DisplayName("remove_values removes only the given values")
    void removeValues() {
        String id = platformWithLabels(Map.of("env", List.of("dev", "qa", "prod")));

        assertThat(patchLabels(id, op("remove_values", "env", "qa", "prod")).status()).isEqualTo(200);

        assertThat(labelsOf(id).get("env")).extracting(JsonNode::asText).containsExactly("dev");
    }

    @Test
    @DisplayName("removing the last value of a key removes the key")
    void removeLastValue() {
        String id = platformWithLabels(Map.of("env", List.of("dev")));

        patchLabels(id, op("remove_values", "env", "dev"));

        assertThat(labelsOf(id).has("env")).isFalse();
    }

    @Test
    @DisplayName("removing a key or value that is not there changes nothing and is not an error")
    void removeAbsent() {
        String id = platformWithLabels(Map.of("env", List.of("dev")));

        assertThat(patchLabels(id, op("remove", "nothing"), op("remove_values", "env", "absent")).status())
                .isEqualTo(200);

        assertThat(labelsOf(id).get("env")).extracting(JsonNode::asText).containsExactly("dev");
    }

    @Test
    @DisplayName("several operations of one PATCH apply in order")
    void severalOps() {
        String id = platformWithLabels(Map.of("old", List.of("x")));

        ApiResponse response = patchLabels(id, op("add", "env", "dev"), op("remove", "old"),
                op("add_values", "env", "qa"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(fieldNames(labelsOf(id))).containsExactly("env");
        assertThat(labelsOf(id).get("env")).extracting(JsonNode::asText).containsExactlyInAnyOrder("dev", "qa");
    }

    static Stream<Arguments> badOps() {
        return Stream.of(
                Arguments.of("an unknown op", op("replace", "env", "x")),
                Arguments.of("add without values", op("add", "env")),
                Arguments.of("add_values without values", op("add_values", "env")),
                Arguments.of("remove_values without values", op("remove_values", "env")),
                Arguments.of("empty values", map("op", "add", "key", "env", "values", List.of())),
                Arguments.of("an invalid key", op("add", "bad key", "x")),
                Arguments.of("an invalid value", op("add", "env", "line\nbreak")),
                Arguments.of("no key", map("op", "add", "values", List.of("x"))),
                Arguments.of("no op", map("key", "env", "values", List.of("x"))),
                Arguments.of("an unknown field", map("op", "add", "key", "env", "values", List.of("x"), "extra", 1)),
                Arguments.of("an operation that is not an object", "add"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badOps")
    @DisplayName("one bad operation in a list is 400 and none of the operations is applied")
    void atomic(String what, Object badOp) {
        String id = platformWithLabels(Map.of("env", List.of("dev")));

        ApiResponse response = patchLabels(id, op("add", "new", "x"), op("remove", "env"), badOp);

        assertError(response, 400, "BadRequest");
        JsonNode labels = labelsOf(id);
        assertThat(fieldNames(labels)).containsExactly("env");
        assertThat(labels.get("env")).extracting(JsonNode::asText).containsExactly("dev");
    }

    @Test
    @DisplayName("labels of a PATCH that are not an array of operations are 400")
    void patchLabelsNotArray() {
        String id = platformWithLabels(Map.of());

        assertError(admin.patch("/v1/platforms/" + id, json("labels", Map.of("env", List.of("x")))), 400,
                "BadRequest");
    }

    @Test
    @DisplayName("a bad label operation also leaves the other fields of the PATCH unapplied")
    void atomicWithFields() {
        JsonNode created = createPlatform();
        String id = created.get("id").asText();

        ApiResponse response = admin.patch("/v1/platforms/" + id, json("description", "changed", "labels",
                List.of(op("explode", "k", "v"))));

        assertError(response, 400, "BadRequest");
        assertThat(admin.get("/v1/platforms/" + id).json().has("description")).isFalse();
    }

    @Test
    @DisplayName("concurrent label PATCHes on one entity are all applied; none is lost")
    void concurrentPatches() throws Exception {
        String id = platformWithLabels(Map.of());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<ApiResponse>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String key = "key" + i;
                answers.add(pool.submit(() -> patchLabels(id, op("add", key, "v"))));
            }
            for (java.util.concurrent.Future<ApiResponse> answer : answers) {
                assertThat(answer.get().status()).isEqualTo(200);
            }
        } finally {
            pool.shutdown();
        }

        assertThat(fieldNames(labelsOf(id))).containsExactlyInAnyOrder("key0", "key1", "key2", "key3", "key4",
                "key5", "key6", "key7");
    }

    @Test
    @DisplayName("duplicate values for one key are stored once")
    void duplicateValues() {
        String id = platformWithLabels(Map.of("k", List.of("a", "a", "b")));

        assertThat(labelsOf(id).get("k")).extracting(JsonNode::asText).containsExactly("a", "b");
    }

    @Test
    @DisplayName("label values may hold any characters but line breaks, and can be queried")
    void unicodeValues() {
        String value = "Z\u00fcrich \u2603 = (a, 'b')";
        String id = platformWithLabels(Map.of("city", List.of(value)));

        ApiResponse response = admin.get("/v1/platforms?labelQuery=" + q("city eq '" + value.replace("'", "''")
                + "'"));

        assertThat(ids(response.json())).containsExactly(id);
    }
}
