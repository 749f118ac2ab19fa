package org.servicemanager.core.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UriCodingTest {

    @Test
    @DisplayName("a segment decodes %XX as UTF-8 and keeps '+'; a query component reads '+' as a space")
    void decodes() {
        assertThat(UriCoding.decodeSegment("a+b%20c%C3%A9%2F")).isEqualTo("a+b c\u00e9/");
        assertThat(UriCoding.decodeQueryComponent("a+b%20c%2B")).isEqualTo("a b c+");
        assertThat(UriCoding.decodeSegment("caf\u00e9")).isEqualTo("caf\u00e9");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"%", "a%2", "%zz", "%G0", "%FF", "%C3", "%C3%28", "%ED%A0%80", "%F4%90%80%80", "%C0%AF"})
    @DisplayName("incomplete escapes and bytes that are not UTF-8 (overlong, surrogates, beyond U+10FFFF) are refused")
    void refusesMalformed(String raw) {
        assertThatThrownBy(() -> UriCoding.decodeSegment(raw)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UriCoding.decodeQueryComponent(raw)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("encoding leaves only unreserved characters and round-trips through both decoders")
    void encodes() {
        String value = "a b+c/d?e#f%g&h=i;j:k@l\u00e9\u2603\uD83D\uDE00~._-";
        String encoded = UriCoding.encode(value);

        assertThat(encoded).matches("[A-Za-z0-9._~%-]*");
        assertThat(encoded).startsWith("a%20b%2Bc%2Fd%3F");
        assertThat(UriCoding.decodeSegment(encoded)).isEqualTo(value);
        assertThat(UriCoding.decodeQueryComponent(encoded)).isEqualTo(value);
        assertThat(UriCoding.encode("plain-id_1.2~3")).isEqualTo("plain-id_1.2~3");
    }
}
