package org.servicemanager.core.internal.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.api.InvalidTokenException;
import org.servicemanager.api.query.Cursor;

@DisplayName("PageTokens")
class PageTokensTest {
    private static final Cursor CURSOR =
            new Cursor(Instant.parse("2026-11-27T10:15:30.123456789Z"), "5f1c2a8e-0b8d-4e0c-9a51-3c6f0d1e2b7a");

    private static String b64(String plain) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> invalid(String token) {
        return assertThatThrownBy(() -> PageTokens.decode("platforms", token))
                .isExactlyInstanceOf(InvalidTokenException.class);
    }

    @Test
    @DisplayName("a token decodes to the cursor it was made from")
    void roundTrip() {
        for (Cursor cursor : new Cursor[] {
                CURSOR,
                new Cursor(Instant.EPOCH, "a"),
                new Cursor(Instant.parse("1969-12-31T23:59:59.999999999Z"), "before-1970"),
                new Cursor(Instant.parse("0000-01-01T00:00:00Z"), "first"),
                new Cursor(Instant.parse("9999-12-31T23:59:59.999999999Z"), "last"),
                new Cursor(Instant.parse("2026-01-01T00:00:00Z"), "id:with:colons \u00e4 \uD83D\uDE00")}) {
            assertThat(PageTokens.decode("platforms", PageTokens.encode("platforms", cursor))).isEqualTo(cursor);
        }
    }

    @Test
    @DisplayName("a token is unpadded base64url, so it needs no escaping in a URL")
    void urlSafe() {
        String token = PageTokens.encode("service_plans", CURSOR);
        assertThat(token).matches("[A-Za-z0-9_-]+");
        assertThat(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8))
                .isEqualTo("1:service_plans:1795774530:123456789:" + CURSOR.id());
    }

    @Test
    @DisplayName("a token of another resource type is refused, asking to start over")
    void foreignType() {
        String token = PageTokens.encode("service_brokers", CURSOR);
        invalid(token).hasMessage("token is not valid for platforms; list again from the first page");
    }

    @ParameterizedTest(name = "[{0}]")
    @NullAndEmptySource
    @DisplayName("an absent or empty token is refused: the caller treats it as the first page before decoding")
    void empty(String token) {
        invalid(token).hasMessage("token is malformed (it is empty); list again from the first page");
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"!!!!", "abc=", "abcd==", "a b", "a", "\u00e4bcd", "abc.", "abc+", "abc/"})
    @DisplayName("characters outside unpadded base64url are refused")
    void notBase64Url(String token) {
        invalid(token).hasMessageStartingWith("token is malformed").hasMessageEndingWith("list again from the first page");
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {
            "hello", "1", "1:platforms", "1:platforms:1:0", "2:platforms:1:0:x", "1:platforms:1:0:",
            ":platforms:1:0:x", "1:platforms::0:x", "1:platforms:1::x", "1:platforms:x:0:x", "1:platforms:1:y:x",
            "1:platforms:+1:0:x", "1:platforms:01:0:x", "1:platforms:-0:0:x", "1:platforms:1:007:x",
            "1:platforms:1:-1:x", "1:platforms:1:1000000000:x", "1:platforms:99999999999999999999:0:x",
            "1:platforms:31556889864403200:0:x", "1:platforms:\u0661:0:x",
            " 1:platforms:1:0:x", "1:platforms :1:0:x", "1:platforms:1 :0:x", "1:PLATFORMS:1:0:x"})
    @DisplayName("well-encoded text that is not exactly the canonical token form is refused")
    void badContent(String plain) {
        assertThatThrownBy(() -> PageTokens.decode("platforms", b64(plain)))
                .isExactlyInstanceOf(InvalidTokenException.class).hasMessageEndingWith("list again from the first page");
    }

    @Test
    @DisplayName("bytes that are not UTF-8 are refused")
    void notUtf8() {
        byte[] bytes = {'1', ':', (byte) 0xC3, (byte) 0x28, ':', '1'};
        invalid(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes))
                .hasMessage("token is malformed (it is not text); list again from the first page");
    }

    @Test
    @DisplayName("a token over the length limit is refused without decoding it")
    void tooLong() {
        invalid("A".repeat(PageTokens.MAX_TOKEN_LENGTH + 1)).hasMessageContaining("too long");
    }

    @Test
    @DisplayName("a token that spells the same bytes differently is refused, so each cursor has one token")
    void nonCanonicalSpelling() {
        String token = PageTokens.encode("platforms", new Cursor(Instant.EPOCH, "abc"));
        byte[] bytes = Base64.getUrlDecoder().decode(token);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int variants = 0;
        for (char c : alphabet.toCharArray()) {
            String other = token.substring(0, token.length() - 1) + c;
            if (!other.equals(token) && isSameBytes(other, bytes)) {
                variants++;
                invalid(other).hasMessageContaining("canonical");
            }
        }
        assertThat(token.length() % 4).as("the sample must leave unused bits").isNotZero();
        assertThat(variants).isPositive();
    }

    private static boolean isSameBytes(String token, byte[] bytes) {
        try {
            return Arrays.equals(Base64.getUrlDecoder().decode(token), bytes);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Test
    @DisplayName("random strings and random bytes never fail with anything but InvalidTokenException")
    void garbage() {
        Random random = new Random(42L);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/:. ";
        for (int i = 0; i < 5_000; i++) {
            byte[] bytes = new byte[random.nextInt(60)];
            random.nextBytes(bytes);
            String fromBytes = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            StringBuilder chars = new StringBuilder();
            for (int j = random.nextInt(60); j > 0; j--) {
                chars.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String valid = PageTokens.encode("platforms", CURSOR);
            int at = random.nextInt(valid.length());
            String mutated = valid.substring(0, at) + alphabet.charAt(random.nextInt(64)) + valid.substring(at + 1);
            for (String token : new String[] {fromBytes, chars.toString(), mutated}) {
                try {
                    PageTokens.decode("platforms", token);
                } catch (RuntimeException e) {
                    assertThat(e).as("token %s", token).isExactlyInstanceOf(InvalidTokenException.class);
                }
            }
        }
    }

    @Test
    @DisplayName("a position outside the years 0000 to 9999 is refused, however well formed the token")
    void positionOutOfRange() {
        for (Instant far : new Instant[] {Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.parse("-0001-12-31T23:59:59.999999999Z"), Instant.parse("+300000-01-01T00:00:00Z"),
                Instant.MAX, Instant.MIN}) {
            invalid(b64("1:platforms:" + far.getEpochSecond() + ":" + far.getNano() + ":id"))
                    .hasMessageContaining("bad position");
        }
    }

    @Test
    @DisplayName("encoding refuses what could not be decoded again")
    void encodeFailsFast() {
        assertThatThrownBy(() -> PageTokens.encode("a:b", CURSOR)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PageTokens.encode("", CURSOR)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PageTokens.encode("platforms", new Cursor(Instant.EPOCH, "")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PageTokens.encode("platforms", new Cursor(Instant.EPOCH, "x".repeat(1000))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long");
        assertThatThrownBy(() -> PageTokens.encode("platforms", new Cursor(Instant.MAX, "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Instant.MAX.toString());
    }
}
