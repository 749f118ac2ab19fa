package org.servicemanager.core.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.api.BadRequestException;

class RouterTest {
    private final Handler handler = call -> null;
    private final Router router = new Router()
            .add("GET", "/v1/platforms", Access.ADMIN, handler)
            .add("POST", "/v1/platforms", Access.ADMIN, handler)
            .add("GET", "/v1/platforms/{id}", Access.ADMIN, handler)
            .add("GET", "/v1/osb/{broker}/{rest...}", Access.PLATFORM, handler);

    @Test
    @DisplayName("placeholders capture decoded segments and a trailing slash is ignored")
    void placeholders() {
        Router.Match match = router.match("GET", "/v1/platforms/a%20b/");
        assertThat(match).isInstanceOf(Router.Found.class);
        assertThat(((Router.Found) match).params()).isEqualTo(Map.of("id", "a b"));
    }

    @Test
    @DisplayName("a rest placeholder takes the remaining path")
    void rest() {
        Router.Found found = (Router.Found) router.match("GET", "/v1/osb/b1/v2/catalog");
        assertThat(found.params()).containsEntry("broker", "b1").containsEntry("rest", "v2/catalog");
    }

    @Test
    @DisplayName("a known path with another method is 405 with the allowed methods, HEAD wherever GET is")
    void methodNotAllowed() {
        Router.Match match = router.match("DELETE", "/v1/platforms");
        assertThat(match).isInstanceOf(Router.MethodNotAllowed.class);
        assertThat(((Router.MethodNotAllowed) match).allowed()).containsExactly("GET", "HEAD", "POST");
    }

    @Test
    @DisplayName("HEAD finds the GET route")
    void headFindsGet() {
        Router.Match match = router.match("HEAD", "/v1/platforms/p1");
        assertThat(match).isInstanceOf(Router.Found.class);
        assertThat(((Router.Found) match).route().method()).isEqualTo("GET");
    }

    @Test
    @DisplayName("a route for HEAD cannot be added: the GET route serves it")
    void noHeadRoute() {
        assertThatThrownBy(() -> new Router().add("HEAD", "/x", Access.ADMIN, handler))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/x");
    }

    @Test
    @DisplayName("unknown paths, extra and empty segments do not match")
    void notFound() {
        assertThat(router.match("GET", "/v1/platform")).isInstanceOf(Router.NotFound.class);
        assertThat(router.match("GET", "/v1/platforms/a/b")).isInstanceOf(Router.NotFound.class);
        assertThat(router.match("GET", "/v1//platforms")).isInstanceOf(Router.NotFound.class);
        assertThat(router.match("GET", "/")).isInstanceOf(Router.NotFound.class);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/v1/platforms/%zz", "/v1/platforms/a%2", "/v1/platforms/%FF", "/v1/platforms/%C3",
            "/v1/platforms/%ED%A0%80"})
    @DisplayName("a placeholder segment that is not valid percent-encoded UTF-8 is a 400 naming the placeholder")
    void malformedEncoding(String path) {
        assertThatThrownBy(() -> router.match("GET", path)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("id").hasMessageContaining("UTF-8");
    }

    @Test
    @DisplayName("a placeholder keeps '+' and decodes '%2F' (what an id may hold is the route's business)")
    void plusAndSlash() {
        Router.Found found = (Router.Found) router.match("GET", "/v1/platforms/a+b%2Fc%C3%A9");
        assertThat(found.params()).isEqualTo(Map.of("id", "a+b/c\u00e9"));
    }

    @Test
    @DisplayName("a malformed segment on a path whose method does not match is still a 405, not a 400")
    void malformedEncodingWithOtherMethod() {
        assertThat(router.match("DELETE", "/v1/platforms/%FF")).isInstanceOf(Router.MethodNotAllowed.class);
    }
}
