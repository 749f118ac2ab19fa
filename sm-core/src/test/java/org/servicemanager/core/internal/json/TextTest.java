package org.servicemanager.core.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.BadRequestException;

@DisplayName("Text")
class TextTest {

    @Test
    @DisplayName("a name is counted in characters, so 255 characters outside the BMP are a valid name")
    void countsCodePoints() {
        String emoji = "\ud83d\ude00".repeat(255);

        assertThat(Text.name("field 'name'", emoji)).isEqualTo(emoji);
        assertThatThrownBy(() -> Text.name("field 'name'", emoji + "x"))
                .isInstanceOf(BadRequestException.class)
                .hasMessage("field 'name' must be at most 255 characters long, was 256");
    }

    @Test
    @DisplayName("storable strings may hold any control character but NUL")
    void storable() {
        assertThat(Text.storable("v", "a\tb\u0001\u007f")).isEqualTo("a\tb\u0001\u007f");
        assertThatThrownBy(() -> Text.storable("v", "a\u0000")).hasMessage("v must not contain control characters "
                + "(U+0000 at index 1)");
        assertThatThrownBy(() -> Text.storable("v", "\ude00\ud83d")).hasMessage("v contains an unpaired surrogate "
                + "(U+DE00 at index 0)");
    }

    @Test
    @DisplayName("a description allows line breaks and tabs but no other control character")
    void description() {
        assertThat(Text.description("d", "a\r\n\tb")).isEqualTo("a\r\n\tb");
        assertThatThrownBy(() -> Text.description("d", "a\u001b[31m")).hasMessage("d must not contain control "
                + "characters (U+001B at index 1)");
        assertThatThrownBy(() -> Text.description("d", "\u0085")).hasMessageContaining("U+0085");
    }

    @Test
    @DisplayName("a quote is cut after 64 characters and shows control characters and lone surrogates escaped")
    void quote() {
        assertThat(Text.quote("db")).isEqualTo("'db'");
        assertThat(Text.quote("x".repeat(100))).isEqualTo("'" + "x".repeat(64) + "...'");
        assertThat(Text.quote("a\nb\u0000\ud800\ud83d\ude00")).isEqualTo("'a\\u000ab\\u0000\\ud800\ud83d\ude00'");
    }
}
