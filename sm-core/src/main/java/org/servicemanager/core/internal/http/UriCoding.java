package org.servicemanager.core.internal.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict percent-decoding and canonical percent-encoding of path segments and query components.
 * {@link java.net.URLDecoder} replaces malformed UTF-8 with U+FFFD and cannot say where a segment
 * ends; an id that means something else to the Service Manager than to the broker it is forwarded
 * to must be refused instead, so decoding here fails on anything malformed. Stateless and
 * thread-safe.
 */
public final class UriCoding {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private UriCoding() {
    }

    /**
     * Decodes one path segment: {@code %XX} sequences must be complete and form UTF-8, {@code +}
     * is a plus sign.
     *
     * @throws IllegalArgumentException saying what is malformed
     */
    public static String decodeSegment(String raw) {
        return decode(raw, false);
    }

    /**
     * Decodes a query parameter name or value ({@code application/x-www-form-urlencoded}: {@code +}
     * is a space), as strictly as {@link #decodeSegment}.
     *
     * @throws IllegalArgumentException saying what is malformed
     */
    public static String decodeQueryComponent(String raw) {
        return decode(raw, true);
    }

    /**
     * Percent-encodes everything but RFC 3986's unreserved characters ({@code A-Z a-z 0-9 - . _ ~}),
     * as UTF-8, so the result means the same in a path segment and in a query component to every
     * server, whatever it does with {@code +}, {@code ;} or {@code /}.
     */
    public static String encode(String value) {
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!unreserved(c)) {
                out = new StringBuilder(value.length() + 16).append(value, 0, i);
                appendEncoded(out, value.substring(i));
                break;
            }
        }
        return out == null ? value : out.toString();
    }

    private static void appendEncoded(StringBuilder out, String rest) {
        for (byte b : rest.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (unreserved(c)) {
                out.append(c);
            } else {
                out.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
            }
        }
    }

    private static boolean unreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static String decode(String raw, boolean plusIsSpace) {
        if (raw.indexOf('%') < 0 && (!plusIsSpace || raw.indexOf('+') < 0)) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        int i = 0;
        while (i < raw.length()) {
            char c = raw.charAt(i);
            if (c == '%') {
                int high = i + 1 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int low = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (high < 0 || low < 0) {
                    throw new IllegalArgumentException("'%' at position " + i + " is not followed by two hex digits");
                }
                bytes.write(high << 4 | low);
                i += 3;
            } else if (c == '+' && plusIsSpace) {
                bytes.write(' ');
                i++;
            } else {
                int end = i + 1;
                while (end < raw.length() && raw.charAt(end) != '%' && !(plusIsSpace && raw.charAt(end) == '+')) {
                    end++;
                }
                bytes.writeBytes(utf8(raw.substring(i, end)));
                i = end;
            }
        }
        try {
            return strictUtf8().decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the percent-encoded bytes are not UTF-8");
        }
    }

    private static byte[] utf8(String text) {
        try {
            ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(text));
            byte[] result = new byte[encoded.remaining()];
            encoded.get(result);
            return result;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the text holds a lone surrogate");
        }
    }

    private static CharsetDecoder strictUtf8() {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }
}
