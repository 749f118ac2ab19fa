package org.servicemanager.core.internal.query;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import org.servicemanager.api.InvalidTokenException;
import org.servicemanager.api.query.Cursor;

/**
 * Turns the position after a page ({@link Cursor}) into the opaque {@code token} of a listing
 * response, and a client's token back into a cursor.
 *
 * <p>A token is the unpadded base64url form of {@code 1:<resource type>:<epoch seconds>:<nanos>:<id>}.
 * The version lets the form change without misreading old tokens; the resource type stops a token
 * of one listing from being replayed against another. Tokens are not secret or signed: a client
 * that forges one can only choose where its own listing starts, which it may do anyway.
 *
 * <p>Decoding is strict: a token is accepted only if it is exactly what {@link #encode} produces
 * for the cursor it describes, so every token has one spelling and no garbage slips through. Any
 * other input fails with {@link InvalidTokenException} and never with another exception. Tokens
 * are at most {@value #MAX_TOKEN_LENGTH} characters, and their positions lie in the years 0000 to
 * 9999.
 *
 * <p>Thread-safe: stateless.
 */
public final class PageTokens {
    /** The longest token accepted; a generated or client id (at most 50 characters) fits easily. */
    public static final int MAX_TOKEN_LENGTH = 1024;

    /**
     * The range of positions a token may hold: the times an RFC 3339 timestamp (which the API uses
     * for {@code created_at}) can express. Creation times come from the clock, so the Service
     * Manager never issues a token outside it; a forged one beyond it could name a time no store can
     * even compare with (PostgreSQL stops in the year 294276).
     */
    private static final Instant EARLIEST = Instant.parse("0000-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");

    private static final String VERSION = "1";
    private static final char SEPARATOR = ':';
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private PageTokens() {
    }

    /**
     * The token for the page after {@code cursor} in the listing of {@code resourceType}.
     *
     * @param resourceType the resource name, e.g. {@code platforms}; must not contain {@code ':'}
     * @param cursor       the position of the last item of the current page
     * @throws IllegalArgumentException if the type is empty or contains {@code ':'}, the cursor's id
     *                                  is empty, or the token would exceed {@link #MAX_TOKEN_LENGTH}
     */
    public static String encode(String resourceType, Cursor cursor) {
        Objects.requireNonNull(resourceType, "resourceType");
        Objects.requireNonNull(cursor, "cursor");
        if (resourceType.isEmpty() || resourceType.indexOf(SEPARATOR) >= 0) {
            throw new IllegalArgumentException("resource type must be non-empty and without ':', was '"
                    + resourceType + "'");
        }
        if (cursor.id().isEmpty()) {
            throw new IllegalArgumentException("cursor id must not be empty");
        }
        if (!inRange(cursor.createdAt())) {
            // decode would refuse it: such a time comes from a broken clock, not from a client
            throw new IllegalArgumentException("cursor time must be from " + EARLIEST + " to " + LATEST + ", was "
                    + cursor.createdAt());
        }
        String token = ENCODER.encodeToString(plain(resourceType, cursor).getBytes(StandardCharsets.UTF_8));
        if (token.length() > MAX_TOKEN_LENGTH) {
            // decode would refuse it, so fail here rather than hand a client a token that cannot work
            throw new IllegalArgumentException("cursor id is too long for a paging token: "
                    + cursor.id().length() + " characters");
        }
        return token;
    }

    /**
     * The cursor a token of {@code resourceType} stands for. An absent or empty {@code token} means
     * the first page; the caller handles that before calling this.
     *
     * @throws InvalidTokenException if the token is malformed, empty, or was issued for another type
     */
    public static Cursor decode(String resourceType, String token) {
        Objects.requireNonNull(resourceType, "resourceType");
        if (token == null || token.isEmpty()) {
            throw malformed("it is empty");
        }
        if (token.length() > MAX_TOKEN_LENGTH) {
            throw malformed("it is too long");
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            boolean base64url = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '-' || c == '_';
            if (!base64url) {
                throw malformed("it is not base64url");
            }
        }
        byte[] bytes;
        try {
            bytes = DECODER.decode(token);
        } catch (IllegalArgumentException e) {
            throw malformed("it is not base64url");
        }
        String plain;
        try {
            plain = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw malformed("it is not text");
        }

        String[] parts = plain.split(String.valueOf(SEPARATOR), 5);
        if (parts.length != 5 || !parts[0].equals(VERSION)) {
            throw malformed("unknown format");
        }
        if (!parts[1].equals(resourceType)) {
            throw new InvalidTokenException("token is not valid for " + resourceType
                    + "; list again from the first page");
        }
        Cursor cursor;
        try {
            long seconds = Long.parseLong(parts[2]);
            int nanos = Integer.parseInt(parts[3]);
            if (nanos < 0 || nanos > 999_999_999 || parts[4].isEmpty()) {
                throw malformed("bad position");
            }
            cursor = new Cursor(Instant.ofEpochSecond(seconds, nanos), parts[4]);
        } catch (NumberFormatException | DateTimeException e) {
            throw malformed("bad position");
        }
        if (!inRange(cursor.createdAt())) {
            throw malformed("bad position");
        }
        // one spelling per cursor: rejects "+1", "007", non-ASCII digits, padding tricks and the like
        if (!plain.equals(plain(resourceType, cursor))
                || !token.equals(ENCODER.encodeToString(bytes))) {
            throw malformed("not in canonical form");
        }
        return cursor;
    }

    private static boolean inRange(Instant time) {
        return !time.isBefore(EARLIEST) && !time.isAfter(LATEST);
    }

    private static String plain(String resourceType, Cursor cursor) {
        Instant at = cursor.createdAt();
        return VERSION + SEPARATOR + resourceType + SEPARATOR + at.getEpochSecond() + SEPARATOR + at.getNano()
                + SEPARATOR + cursor.id();
    }

    /** The reason is one of a few fixed phrases: nothing from the token is echoed back. */
    private static InvalidTokenException malformed(String reason) {
        return new InvalidTokenException("token is malformed (" + reason + "); list again from the first page");
    }
}
