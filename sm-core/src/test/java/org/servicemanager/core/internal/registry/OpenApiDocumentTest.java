package org.servicemanager.core.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.core.internal.json.Json;

/**
 * The document as loaded from the class path, and the entity-tag comparison of If-None-Match.
 * Serving over HTTP, the parser's verdict and the comparison with the router are tested in
 * sm-it's OpenApiDocumentTest.
 */
class OpenApiDocumentTest {
    private static final String TAG = "\"0123456789abcdef0123456789abcdef\"";

    @Test
    @DisplayName("The loaded document is OpenAPI 3.1 with the given version and the root as its server")
    void loadsWithVersion() throws IOException {
        JsonNode document = Json.mapper().readTree(new OpenApiDocument("1.2.3").json());

        assertThat(document.get("openapi").asText()).startsWith("3.1.");
        assertThat(document.at("/info/version").asText()).isEqualTo("1.2.3");
        assertThat(document.at("/servers/0/url").asText()).isEqualTo("/");
        assertThat(document.get("paths").has("/v1/openapi.json")).isTrue();
    }

    @Test
    @DisplayName("If-None-Match matches its tag, in a list, as a weak tag, or as *")
    void matchesTags() {
        assertThat(OpenApiDocument.matches(TAG, TAG)).isTrue();
        assertThat(OpenApiDocument.matches("\"other\", " + TAG, TAG)).isTrue();
        assertThat(OpenApiDocument.matches("W/" + TAG, TAG)).isTrue();
        assertThat(OpenApiDocument.matches("*", TAG)).isTrue();
    }

    @Test
    @DisplayName("If-None-Match does not match another tag, an unquoted tag, or nothing")
    void doesNotMatchOthers() {
        assertThat(OpenApiDocument.matches("\"other\"", TAG)).isFalse();
        assertThat(OpenApiDocument.matches(TAG.replace("\"", ""), TAG)).isFalse();
        assertThat(OpenApiDocument.matches(null, TAG)).isFalse();
        assertThat(OpenApiDocument.matches("", TAG)).isFalse();
    }
}
