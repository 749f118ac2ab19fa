package org.servicemanager.core.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("BasicCredentials")
class BasicCredentialsTest {

    private static String basic(String text) {
        return "Basic " + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("user and password are split at the first colon; the password may hold colons")
    void split() {
        assertThat(BasicCredentials.parse(basic("admin:pa:ss"))).contains(new BasicCredentials("admin", "pa:ss"));
        assertThat(BasicCredentials.parse(basic(":"))).contains(new BasicCredentials("", ""));
    }

    @Test
    @DisplayName("the scheme is case-insensitive, blanks around are ignored, and UTF-8 is read")
    void lenientForm() {
        String value = "  bAsIc   " + Base64.getEncoder().encodeToString("j\u00fcrgen:p\u00e4ss"
                .getBytes(StandardCharsets.UTF_8)) + " ";

        assertThat(BasicCredentials.parse(value)).contains(new BasicCredentials("j\u00fcrgen", "p\u00e4ss"));
    }

    @Test
    @DisplayName("another scheme, no credentials, invalid base64 or no colon give nothing")
    void malformed() {
        assertThat(BasicCredentials.parse(null)).isEmpty();
        assertThat(BasicCredentials.parse("Bearer abc")).isEmpty();
        assertThat(BasicCredentials.parse("Basic")).isEmpty();
        assertThat(BasicCredentials.parse("Basic ***")).isEmpty();
        assertThat(BasicCredentials.parse(basic("no-colon"))).isEmpty();
    }

    @Test
    @DisplayName("form decoding (RFC 6749 2.3.1) is a separate step, and a stray % gives nothing")
    void formDecoding() {
        BasicCredentials raw = BasicCredentials.parse(basic("my%20client:s%2Bcret+x")).orElseThrow();

        assertThat(raw.user()).isEqualTo("my%20client");
        assertThat(raw.formDecoded()).contains(new BasicCredentials("my client", "s+cret x"));
        assertThat(new BasicCredentials("a%", "b").formDecoded()).isEmpty();
    }

    @Test
    @DisplayName("its text shows the user name, never the password")
    void noPasswordInText() {
        assertThat(new BasicCredentials("admin", "Secret-1").toString()).contains("admin").doesNotContain("Secret-1");
    }
}
