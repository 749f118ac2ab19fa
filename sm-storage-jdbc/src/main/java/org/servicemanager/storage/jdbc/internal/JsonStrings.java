package org.servicemanager.storage.jdbc.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes a list of strings, or a list of objects whose members are strings, as a JSON array and
 * back. Hand-written because these are the only JSON the store needs (offering tags and requires,
 * an operation's errors), and a JSON library is not worth a dependency for them. Stateless and
 * thread-safe.
 */
final class JsonStrings {
    private JsonStrings() {
    }

    static String encode(List<String> values) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            quote(out, values.get(i));
        }
        return out.append(']').toString();
    }

    /** Encodes objects of string members, in each map's order; a {@code null} member value is left out. */
    static String encodeObjects(List<Map<String, String>> objects) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < objects.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, String> member : objects.get(i).entrySet()) {
                if (member.getValue() == null) {
                    continue;
                }
                if (!first) {
                    out.append(',');
                }
                first = false;
                quote(out, member.getKey());
                out.append(':');
                quote(out, member.getValue());
            }
            out.append('}');
        }
        return out.append(']').toString();
    }

    /** Decodes what {@link #encode} wrote (and any JSON array of strings). */
    static List<String> decode(String json) {
        Parser parser = new Parser(json);
        List<String> values = new ArrayList<>();
        parser.expect('[');
        if (parser.consume(']')) {
            return values;
        }
        do {
            values.add(parser.string());
        } while (parser.consume(','));
        parser.expect(']');
        return values;
    }

    /** Decodes what {@link #encodeObjects} wrote (and any JSON array of objects of string members). */
    static List<Map<String, String>> decodeObjects(String json) {
        Parser parser = new Parser(json);
        List<Map<String, String>> objects = new ArrayList<>();
        parser.expect('[');
        if (parser.consume(']')) {
            return objects;
        }
        do {
            Map<String, String> object = new LinkedHashMap<>();
            parser.expect('{');
            if (!parser.consume('}')) {
                do {
                    String key = parser.string();
                    parser.expect(':');
                    object.put(key, parser.string());
                } while (parser.consume(','));
                parser.expect('}');
            }
            objects.add(object);
        } while (parser.consume(','));
        parser.expect(']');
        return objects;
    }

    private static void quote(StringBuilder out, String value) {
        out.append('"');
        for (int j = 0; j < value.length(); j++) {
            char c = value.charAt(j);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }

    /** Reads one JSON text from the start; skips white space before every token. Not thread-safe. */
    private static final class Parser {
        private final String json;
        private int i;

        Parser(String json) {
            this.json = json;
        }

        void expect(char c) {
            if (!consume(c)) {
                throw malformed();
            }
        }

        boolean consume(char c) {
            skipSpace();
            if (i < json.length() && json.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        String string() {
            expect('"');
            StringBuilder value = new StringBuilder();
            while (true) {
                if (i >= json.length()) {
                    throw malformed();
                }
                char c = json.charAt(i++);
                if (c == '"') {
                    return value.toString();
                }
                if (c != '\\') {
                    value.append(c);
                    continue;
                }
                if (i >= json.length()) {
                    throw malformed();
                }
                char escaped = json.charAt(i++);
                switch (escaped) {
                    case 'n':
                        value.append('\n');
                        break;
                    case 'r':
                        value.append('\r');
                        break;
                    case 't':
                        value.append('\t');
                        break;
                    case 'b':
                        value.append('\b');
                        break;
                    case 'f':
                        value.append('\f');
                        break;
                    case 'u':
                        if (i + 4 > json.length()) {
                            throw malformed();
                        }
                        value.append((char) Integer.parseInt(json.substring(i, i + 4), 16));
                        i += 4;
                        break;
                    default:
                        value.append(escaped);
                }
            }
        }

        private void skipSpace() {
            while (i < json.length() && Character.isWhitespace(json.charAt(i))) {
                i++;
            }
        }

        private IllegalStateException malformed() {
            return new IllegalStateException("stored JSON is not an array of strings or of objects of strings: "
                    + json);
        }
    }
}
