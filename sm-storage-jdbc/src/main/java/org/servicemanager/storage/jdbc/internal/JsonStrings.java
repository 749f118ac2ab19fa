package org.servicemanager.storage.jdbc.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Encodes a list of strings as a JSON array and back. Hand-written because it is the only JSON the
 * store needs (offering tags and requires), and a JSON library is not worth a dependency for it.
 * Stateless and thread-safe.
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
            out.append('"');
            String value = values.get(i);
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
        return out.append(']').toString();
    }

    /** Decodes what {@link #encode} wrote (and any JSON array of strings). */
    static List<String> decode(String json) {
        List<String> values = new ArrayList<>();
        int i = skipSpace(json, expect(json, skipSpace(json, 0), '['));
        if (json.charAt(i) == ']') {
            return values;
        }
        while (true) {
            i = expect(json, skipSpace(json, i), '"');
            StringBuilder value = new StringBuilder();
            while (json.charAt(i) != '"') {
                char c = json.charAt(i++);
                if (c != '\\') {
                    value.append(c);
                    continue;
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
                        value.append((char) Integer.parseInt(json.substring(i, i + 4), 16));
                        i += 4;
                        break;
                    default:
                        value.append(escaped);
                }
            }
            values.add(value.toString());
            i = skipSpace(json, i + 1);
            if (json.charAt(i) == ']') {
                return values;
            }
            i = expect(json, i, ',');
        }
    }

    private static int skipSpace(String json, int i) {
        while (i < json.length() && Character.isWhitespace(json.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int expect(String json, int i, char c) {
        if (i >= json.length() || json.charAt(i) != c) {
            throw new IllegalStateException("stored string list is not a JSON array of strings: " + json);
        }
        return i + 1;
    }
}
