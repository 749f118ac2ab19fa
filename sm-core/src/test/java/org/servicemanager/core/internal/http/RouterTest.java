package org.servicemanager.core.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

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
    @DisplayName("a known path with another method is 405 with the allowed methods")
    void methodNotAllowed() {
        Router.Match match = router.match("DELETE", "/v1/platforms");
        assertThat(match).isInstanceOf(Router.MethodNotAllowed.class);
        assertThat(((Router.MethodNotAllowed) match).allowed()).containsExactly("GET", "POST");
    }

    @Test
    @DisplayName("unknown paths, extra segments and broken percent-encoding do not match")
    void notFound() {
        assertThat(router.match("GET", "/v1/platform")).isInstanceOf(Router.NotFound.class);
        assertThat(router.match("GET", "/v1/platforms/a/b")).isInstanceOf(Router.NotFound.class);
        assertThat(router.match("GET", "/v1/platforms/%zz")).isInstanceOf(Router.NotFound.class);
        assertThat(router.match("GET", "/")).isInstanceOf(Router.NotFound.class);
    }
}
