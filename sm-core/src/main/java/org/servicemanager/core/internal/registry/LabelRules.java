package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.core.internal.json.JsonInput;
import org.servicemanager.core.internal.json.Text;

/**
 * Label syntax and the label PATCH operations. Keys may not contain whitespace, {@code =},
 * {@code ,} (the spec's rule), nor quotes or parentheses, which would make them impossible to
 * address in a label query, nor control characters. Values are names in the sense of
 * {@link Text#name}: up to {@value #MAX_VALUE_LENGTH} characters, no control characters.
 */
public final class LabelRules {
    static final int MAX_KEY_LENGTH = 100;
    static final int MAX_VALUE_LENGTH = 255;

    private LabelRules() {
    }

    static void checkKey(String key) {
        if (key.isEmpty()) {
            throw new BadRequestException("label keys must not be empty");
        }
        if (key.length() > MAX_KEY_LENGTH) {
            throw new BadRequestException("label key " + Text.quote(key.substring(0, 20)) + "... is longer than "
                    + MAX_KEY_LENGTH + " characters");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isWhitespace(c) || c == '=' || c == ',' || c == '\'' || c == '"' || c == '(' || c == ')'
                    || Character.isISOControl(c)) {
                throw new BadRequestException("label key " + Text.quote(key) + " must not contain whitespace, "
                        + "'=', ',', quotes, parentheses or control characters");
            }
        }
        Text.storable("label key " + Text.quote(key), key);
    }

    static void checkValue(String key, String value) {
        if (value.isEmpty()) {
            throw new BadRequestException("label '" + key + "' has an empty value; values must not be empty");
        }
        if (value.length() > MAX_VALUE_LENGTH) {
            throw new BadRequestException("a value of label '" + key + "' is longer than " + MAX_VALUE_LENGTH
                    + " characters");
        }
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            throw new BadRequestException("a value of label '" + key + "' contains a line break");
        }
        Text.name("a value of label '" + key + "'", value);
    }

    /** The {@code labels} object of a POST body: {@code {"key": ["value", ...]}}. */
    static Labels parseObject(JsonInput body) {
        JsonNode node = body.node().get("labels");
        if (node == null || node.isNull()) {
            return Labels.empty();
        }
        if (!node.isObject()) {
            throw new BadRequestException("field 'labels' must be an object of string arrays, was "
                    + JsonInput.kind(node));
        }
        Map<String, List<String>> map = new HashMap<>();
        node.properties().forEach(entry -> {
            String key = entry.getKey();
            checkKey(key);
            List<String> values = JsonInput.stringArray("labels." + key, entry.getValue());
            if (values.isEmpty()) {
                throw new BadRequestException("label '" + key + "' needs at least one value");
            }
            values.forEach(v -> checkValue(key, v));
            map.put(key, values);
        });
        return Labels.of(map);
    }

    /**
     * Applies the {@code labels} operations of a PATCH body to {@code current}; all or nothing, since
     * the result is only stored when every operation was valid.
     */
    static Labels applyPatch(Labels current, JsonNode ops) {
        if (ops == null || ops.isNull()) {
            return current;
        }
        if (!ops.isArray()) {
            throw new BadRequestException("field 'labels' of a PATCH must be an array of operations "
                    + "like {\"op\": \"add\", \"key\": \"k\", \"values\": [\"v\"]}, was " + JsonInput.kind(ops));
        }
        Labels result = current;
        for (int i = 0; i < ops.size(); i++) {
            JsonNode op = ops.get(i);
            String where = "labels[" + i + "]";
            if (!op.isObject()) {
                throw new BadRequestException(where + " must be an object, was " + JsonInput.kind(op));
            }
            JsonInput in = new JsonInput((com.fasterxml.jackson.databind.node.ObjectNode) op, where + ".");
            in.allowOnly(java.util.Set.of("op", "key", "values"));
            String kind = in.requiredString("op");
            String key = in.requiredString("key");
            checkKey(key);
            List<String> values = in.optionalStringArray("values");
            if (values != null) {
                if (values.isEmpty()) {
                    throw new BadRequestException(where + ".values must not be empty; leave it out instead");
                }
                values.forEach(v -> checkValue(key, v));
            }
            switch (kind) {
                case "add", "add_values" -> {
                    if (values == null) {
                        throw new BadRequestException(where + ".values is required for '" + kind + "'");
                    }
                    result = result.withValues(key, values);
                }
                case "remove", "remove_values" -> {
                    if (values == null) {
                        if (kind.equals("remove_values")) {
                            throw new BadRequestException(where + ".values is required for 'remove_values'");
                        }
                        result = result.without(key);
                    } else {
                        result = result.withoutValues(key, values);
                    }
                }
                default -> throw new BadRequestException(where + ".op '" + kind
                        + "' is not a label operation; use add, add_values, remove or remove_values");
            }
        }
        return result;
    }
}
