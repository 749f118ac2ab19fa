package org.servicemanager.core.internal.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Map;
import org.servicemanager.api.BadRequestException;

/**
 * What strings from clients and brokers may hold. Every string must be storable and sendable as
 * it came: no NUL (PostgreSQL text cannot hold it) and no unpaired surrogate (it has no UTF-8 form,
 * so it would be stored or sent as something else). Names are also short and free of control
 * characters, since they are shown, indexed and put into queries and log lines. Thread-safe.
 */
public final class Text {
    /** The longest name (platform, broker, offering, plan, instance), in characters (code points). */
    public static final int MAX_NAME_LENGTH = 255;
    /** The longest description a client may give, in characters (code points). */
    public static final int MAX_DESCRIPTION_LENGTH = 10_000;
    /** How much of a foreign value a message quotes. */
    private static final int QUOTE_LENGTH = 64;

    private Text() {
    }

    /**
     * Refuses NUL and unpaired surrogates.
     *
     * @param what names the value in the message, e.g. {@code field 'name'}
     */
    public static String storable(String what, String value) {
        return checked(what, value, firstProblem(value, false, true));
    }

    /**
     * Refuses a JSON value any of whose strings or field names is not {@link #storable}: JSON that
     * is stored as text (a catalog, an OSB context) must be storable as a whole, and a database
     * cannot keep NUL (PostgreSQL refuses it in text and jsonb, even escaped) or an unpaired surrogate.
     * The message names the first bad place by its path, e.g. {@code the body: context.instance_name}.
     *
     * @param label names the value as a whole, e.g. {@code the body}
     */
    public static void storableJson(String label, JsonNode node) {
        storableJson(label, node, "");
    }

    private static void storableJson(String label, JsonNode node, String path) {
        if (node.isTextual()) {
            storable(label + ": " + (path.isEmpty() ? "a string" : path), node.asText());
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                storableJson(label, node.get(i), path + "[" + i + "]");
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String fieldPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                storable(label + ": the field name " + quote(fieldPath), field.getKey());
                storableJson(label, field.getValue(), fieldPath);
            }
        }
    }

    /** Refuses names that are too long, hold control characters, or are not {@link #storable}. */
    public static String name(String what, String value) {
        checkLength(what, value, MAX_NAME_LENGTH);
        return checked(what, value, firstProblem(value, false, false));
    }

    /** Like {@link #name}, but longer and with line breaks and tabs allowed. */
    public static String description(String what, String value) {
        checkLength(what, value, MAX_DESCRIPTION_LENGTH);
        return checked(what, value, firstProblem(value, true, false));
    }

    /** The longest OSB error code or broker {@code operation} value the Service Manager keeps, in characters. */
    public static final int MAX_CODE_LENGTH = 1_000;

    /**
     * A broker's string made storable instead of refused: NUL and unpaired surrogates dropped, cut
     * after {@code max} characters (code points; a pair is never split). A broker's answer is a fact
     * that must be recorded, so it cannot be refused like a client's input; PostgreSQL would
     * otherwise fail the whole write. {@code null} stays {@code null}.
     */
    /**
     * A text field of a broker's JSON answer object, or {@code null}, made storable ({@link
     * #sanitized}): whatever is read from a broker ends up in a record, and one NUL would fail the
     * whole write. Descriptions and URLs may be long; codes, states and operation values are short.
     */
    public static String brokerField(com.fasterxml.jackson.databind.JsonNode json, String field) {
        com.fasterxml.jackson.databind.JsonNode value = json != null && json.isObject() ? json.get(field) : null;
        return value != null && value.isTextual() ? sanitized(value.asText(),
                "description".equals(field) || "dashboard_url".equals(field) ? MAX_DESCRIPTION_LENGTH
                        : MAX_CODE_LENGTH) : null;
    }

    public static String sanitized(String value, int max) {
        if (value == null) {
            return null;
        }
        StringBuilder out = null;
        int kept = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1));
            boolean drop = c == 0 || (!pair && Character.isSurrogate(c));
            if (kept == max) {
                drop = true;
            }
            if (drop && out == null) {
                out = new StringBuilder(value.length()).append(value, 0, i);
            }
            if (kept == max) {
                break;
            }
            if (!drop) {
                if (out != null) {
                    out.append(c);
                    if (pair) {
                        out.append(value.charAt(i + 1));
                    }
                }
                kept++;
            }
            if (pair) {
                i++;
            }
        }
        return out == null ? value : out.toString();
    }

    /** {@code value} if {@code problem} is {@code null}; else a 400 naming the value and the problem. */
    private static String checked(String what, String value, String problem) {
        if (problem != null) {
            throw new BadRequestException(what + " " + problem);
        }
        return value;
    }

    private static void checkLength(String what, String value, int max) {
        // length() >= code points, so only long strings need counting.
        if (value.length() > max && value.codePointCount(0, value.length()) > max) {
            throw new BadRequestException(what + " must be at most " + max + " characters long, was "
                    + value.codePointCount(0, value.length()));
        }
    }

    /**
     * What is wrong with {@code value}, or {@code null}.
     *
     * @param lineBreaks   whether tab, line feed and carriage return are allowed among control characters
     * @param allControls  whether every control character but NUL is allowed
     */
    private static String firstProblem(String value, boolean lineBreaks, boolean allControls) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "contains an unpaired surrogate (" + codePoint(c) + " at index " + i + ")";
            } else if (c == 0 || (Character.isISOControl(c) && !allControls
                    && !(lineBreaks && (c == '\t' || c == '\n' || c == '\r')))) {
                return "must not contain control characters (" + codePoint(c) + " at index " + i + ")";
            }
        }
        return null;
    }

    private static String codePoint(char c) {
        return String.format(Locale.ROOT, "U+%04X", (int) c);
    }

    /**
     * {@code value} in single quotes for a message: cut after {@value #QUOTE_LENGTH} characters,
     * with control characters and unpaired surrogates shown as Java escapes ({@code \\u001b} for
     * ESC), so that whatever a broker or client sent cannot flood or forge a message or log line.
     */
    public static String quote(String value) {
        StringBuilder out = new StringBuilder("'");
        int shown = 0;
        for (int i = 0; i < value.length(); i++) {
            if (shown == QUOTE_LENGTH) {
                out.append("...");
                break;
            }
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                out.append(c).append(value.charAt(++i));
            } else if (Character.isISOControl(c) || Character.isSurrogate(c)) {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                out.append(c);
            }
            shown++;
        }
        return out.append('\'').toString();
    }
}
