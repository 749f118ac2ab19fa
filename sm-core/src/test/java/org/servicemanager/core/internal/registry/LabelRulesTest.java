package org.servicemanager.core.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.core.internal.json.Json;
import org.servicemanager.core.internal.json.JsonInput;

class LabelRulesTest {
    private static final Labels START = Labels.of(Map.of("env", List.of("dev", "test"), "team", List.of("a")));

    private static JsonNode ops(String json) {
        return Json.parseObject(("{\"labels\":" + json.replace('\'', '"') + "}").getBytes(StandardCharsets.UTF_8),
                "body").get("labels");
    }

    @Test
    @DisplayName("add creates a key or adds only the new values, keeping existing ones")
    void add() {
        Labels result = LabelRules.applyPatch(START, ops("[{'op':'add','key':'env','values':['test','prod']},"
                + "{'op':'add_values','key':'new','values':['x']}]"));
        assertThat(result.get("env")).containsExactly("dev", "test", "prod");
        assertThat(result.get("new")).containsExactly("x");
        assertThat(result.get("team")).containsExactly("a");
    }

    @Test
    @DisplayName("remove without values drops the key; with values drops those and the key when none is left")
    void remove() {
        Labels result = LabelRules.applyPatch(START, ops("[{'op':'remove','key':'team'},"
                + "{'op':'remove_values','key':'env','values':['dev','missing']},{'op':'remove','key':'absent'}]"));
        assertThat(result.asMap()).isEqualTo(Map.of("env", List.of("test")));
        Labels emptied = LabelRules.applyPatch(START, ops("[{'op':'remove','key':'team','values':['a']}]"));
        assertThat(emptied.containsKey("team")).isFalse();
    }

    @Test
    @DisplayName("one bad operation fails the whole patch with a message that points at it")
    void badOperation() {
        assertThatThrownBy(() -> LabelRules.applyPatch(START, ops("[{'op':'add','key':'ok','values':['v']},"
                + "{'op':'replace','key':'env','values':['v']}]")))
                .isInstanceOf(BadRequestException.class)
                .hasMessageContaining("labels[1].op 'replace'");
        assertThatThrownBy(() -> LabelRules.applyPatch(START, ops("[{'op':'add','key':'k'}]")))
                .hasMessageContaining("values is required");
        assertThatThrownBy(() -> LabelRules.applyPatch(START, ops("{'op':'add'}")))
                .hasMessageContaining("must be an array");
        assertThatThrownBy(() -> LabelRules.applyPatch(START, ops("[{'op':'add','key':'k','values':[]}]")))
                .hasMessageContaining("must not be empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "with space", "a=b", "a,b", "quo'te", "par(en", "tab\tkey"})
    @DisplayName("label keys with whitespace, '=', ',', quotes or parentheses are rejected")
    void badKeys(String key) {
        assertThatThrownBy(() -> LabelRules.checkKey(key)).isInstanceOf(BadRequestException.class);
    }

    @Test
    @DisplayName("keys over 100 and values over 255 characters, empty values and line breaks are rejected")
    void limits() {
        LabelRules.checkKey("k".repeat(100));
        assertThatThrownBy(() -> LabelRules.checkKey("k".repeat(101))).hasMessageContaining("longer than 100");
        LabelRules.checkValue("k", "v".repeat(255));
        assertThatThrownBy(() -> LabelRules.checkValue("k", "v".repeat(256))).hasMessageContaining("longer than 255");
        assertThatThrownBy(() -> LabelRules.checkValue("k", "")).hasMessageContaining("empty value");
        assertThatThrownBy(() -> LabelRules.checkValue("k", "a\nb")).hasMessageContaining("line break");
    }

    @Test
    @DisplayName("the labels object of a POST must map keys to non-empty string arrays")
    void parseObject() {
        Labels labels = LabelRules.parseObject(JsonInput.of(Json.parseObject(
                "{\"labels\":{\"env\":[\"dev\",\"dev\",\"prod\"]}}".getBytes(StandardCharsets.UTF_8), "body")));
        assertThat(labels.get("env")).containsExactly("dev", "prod");
        assertThatThrownBy(() -> LabelRules.parseObject(JsonInput.of(Json.parseObject(
                "{\"labels\":{\"env\":[]}}".getBytes(StandardCharsets.UTF_8), "body"))))
                .hasMessageContaining("needs at least one value");
        assertThatThrownBy(() -> LabelRules.parseObject(JsonInput.of(Json.parseObject(
                "{\"labels\":{\"env\":\"dev\"}}".getBytes(StandardCharsets.UTF_8), "body"))))
                .hasMessageContaining("must be an array of strings");
    }
}
