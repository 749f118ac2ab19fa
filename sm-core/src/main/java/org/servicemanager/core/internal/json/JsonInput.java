package org.servicemanager.core.internal.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.servicemanager.api.BadRequestException;

/**
 * Typed access to the fields of a JSON object from a client, with 400 errors that name the field
 * and say what was expected. {@code path} prefixes field names in messages (e.g.
 * {@code credentials.basic.}). Not thread-safe; one per request.
 */
public final class JsonInput {
    private final ObjectNode node;
    private final String path;

    public JsonInput(ObjectNode node, String path) {
        this.node = node;
        this.path = path;
    }

    public static JsonInput of(ObjectNode node) {
        return new JsonInput(node, "");
    }

    public ObjectNode node() {
        return node;
    }

    /** Rejects any field not in {@code allowed}, so typos do not pass silently. */
    public JsonInput allowOnly(Set<String> allowed) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new BadRequestException("unknown field '" + path + name + "'; allowed fields are "
                        + allowed.stream().sorted().map(n -> path + n).toList());
            }
        }
        return this;
    }

    public boolean has(String field) {
        return node.has(field);
    }

    /** Present with the JSON value {@code null}. */
    public boolean isNull(String field) {
        return node.has(field) && node.get(field).isNull();
    }

    public String name(String field) {
        return path + field;
    }

    /** A required non-blank string. */
    public String requiredString(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new BadRequestException("field '" + name(field) + "' is required");
        }
        return nonBlank(field, value);
    }

    /** An optional string: {@code null} when absent or JSON null; blank strings are rejected. */
    public String optionalString(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        return nonBlank(field, value);
    }

    /** A required name: non-blank, and as {@link Text#name} allows. */
    public String requiredName(String field) {
        return Text.name("field '" + name(field) + "'", requiredString(field));
    }

    /** An optional name: {@code null} when absent or JSON null, else as {@link #requiredName}. */
    public String optionalName(String field) {
        String value = optionalString(field);
        return value == null ? null : Text.name("field '" + name(field) + "'", value);
    }

    /** An optional description: may be empty, else as {@link Text#description} allows. */
    public String optionalText(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw wrongType(field, "a string", value);
        }
        return Text.description("field '" + name(field) + "'", value.asText());
    }

    private String nonBlank(String field, JsonNode value) {
        if (!value.isTextual()) {
            throw wrongType(field, "a string", value);
        }
        if (value.asText().isBlank()) {
            throw new BadRequestException("field '" + name(field) + "' must not be empty");
        }
        return Text.storable("field '" + name(field) + "'", value.asText());
    }

    public Boolean optionalBoolean(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isBoolean()) {
            throw wrongType(field, "true or false", value);
        }
        return value.booleanValue();
    }

    public boolean requiredBoolean(String field) {
        Boolean value = optionalBoolean(field);
        if (value == null) {
            throw new BadRequestException("field '" + name(field) + "' is required (true or false)");
        }
        return value;
    }

    public Integer optionalNonNegativeInt(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0) {
            throw wrongType(field, "a non-negative integer", value);
        }
        return value.intValue();
    }

    /** An optional nested object, as a {@link JsonInput}; {@code null} when absent or JSON null. */
    public JsonInput optionalObject(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            throw wrongType(field, "an object", value);
        }
        return new JsonInput((ObjectNode) value, path + field + ".");
    }

    public JsonInput requiredObject(String field) {
        JsonInput value = optionalObject(field);
        if (value == null) {
            throw new BadRequestException("field '" + name(field) + "' is required (an object)");
        }
        return value;
    }

    /** An optional array of strings; {@code null} when absent. */
    public List<String> optionalStringArray(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        return stringArray(name(field), value);
    }

    /** Reads a JSON array of strings, naming {@code where} in errors. */
    public static List<String> stringArray(String where, JsonNode value) {
        if (!value.isArray()) {
            throw new BadRequestException("'" + where + "' must be an array of strings, was " + kind(value));
        }
        List<String> result = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            JsonNode element = value.get(i);
            if (!element.isTextual()) {
                throw new BadRequestException(
                        "'" + where + "[" + i + "]' must be a string, was " + kind(element));
            }
            result.add(Text.storable("'" + where + "[" + i + "]'", element.asText()));
        }
        return result;
    }

    private BadRequestException wrongType(String field, String expected, JsonNode value) {
        return new BadRequestException("field '" + name(field) + "' must be " + expected + ", was " + kind(value));
    }

    /** A short description of a JSON value's kind for error messages. */
    public static String kind(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "missing";
        }
        if (node.isNull()) {
            return "null";
        }
        if (node.isTextual()) {
            return "a string";
        }
        if (node.isBoolean()) {
            return "a boolean";
        }
        if (node.isNumber()) {
            return "a number";
        }
        if (node.isArray()) {
            return "an array";
        }
        return "an object";
    }
}
