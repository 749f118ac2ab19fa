package org.servicemanager.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("PlanAccess")
class PlanAccessTest {

    @Test
    @DisplayName("scopes read sorted whatever order they came in, and equal access compares equal")
    void sortedScopes() {
        PlanAccess access = PlanAccess.scoped(new LinkedHashSet<>(List.of("org-2", "org-10", "org-1")));

        assertThat(access.scopes()).containsExactly("org-1", "org-10", "org-2");
        assertThat(access).isEqualTo(PlanAccess.scoped(Set.of("org-1", "org-2", "org-10")));
        assertThat(access.toString()).contains("[org-1, org-10, org-2]");
    }

    @Test
    @DisplayName("the union grants what either grants; everyone wins; no scopes is no access")
    void union() {
        assertThat(PlanAccess.scoped(Set.of("a")).union(PlanAccess.scoped(Set.of("b"))))
                .isEqualTo(PlanAccess.scoped(Set.of("a", "b")));
        assertThat(PlanAccess.scoped(Set.of("a")).union(PlanAccess.everyone())).isEqualTo(PlanAccess.everyone());
        assertThat(PlanAccess.none().union(PlanAccess.none())).isEqualTo(PlanAccess.none());
        assertThat(PlanAccess.scoped(Set.of())).isEqualTo(PlanAccess.none());
    }

    @Test
    @DisplayName("scopes must come with SCOPED and only with it")
    void consistent() {
        assertThatThrownBy(() -> new PlanAccess(PlanAccess.Kind.EVERYONE, Set.of("a")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("EVERYONE");
        assertThatThrownBy(() -> new PlanAccess(PlanAccess.Kind.SCOPED, Set.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
