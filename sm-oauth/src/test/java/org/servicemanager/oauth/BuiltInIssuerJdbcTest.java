package org.servicemanager.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.servicemanager.oauth.IssuerFixture.json;
import static org.servicemanager.oauth.IssuerFixture.tokenRequest;

import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.SigningKey;
import org.servicemanager.api.query.PageRequest;
import org.servicemanager.api.query.Query;
import org.servicemanager.api.security.Role;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.storage.jdbc.JdbcStore;

@DisplayName("The built-in issuer on a JDBC store (H2)")
class BuiltInIssuerJdbcTest {
    private final IssuerFixture fixture = new IssuerFixture();
    private final JdbcDataSource dataSource = new JdbcDataSource();
    private JdbcStore first;
    private JdbcStore second;

    BuiltInIssuerJdbcTest() {
        dataSource.setURL("jdbc:h2:mem:issuer-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    }

    @AfterEach
    void close() {
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
    }

    private String token(BuiltInIssuer issuer) throws Exception {
        String access = json(issuer.handle(tokenRequest("Basic Y2Y6",
                "grant_type=password&password=admin-pw&username=admin"))).get("access_token").asText();
        return access;
    }

    @Test
    @DisplayName("keys written by one store are read back by a restarted one: same kid, the old tokens valid")
    void keysSurviveRestart() throws Exception {
        first = JdbcStore.builder(dataSource).build();
        BuiltInIssuer before = fixture.builder().build();
        before.start(fixture.context(first, fixture.clock));
        String token = token(before);
        first.close();
        first = null;

        second = JdbcStore.builder(dataSource).build();
        BuiltInIssuer after = fixture.builder().build();
        after.start(fixture.context(second, fixture.clock));

        assertThat(after.verify(token).role()).isEqualTo(Role.ADMIN);
        assertThat(SignedJWT.parse(token(after)).getHeader().getKeyID())
                .isEqualTo(SignedJWT.parse(token).getHeader().getKeyID());
    }

    @Test
    @DisplayName("rotation retires the old key in the database and another node follows within 30 s")
    void rotation() throws Exception {
        first = JdbcStore.builder(dataSource).build();
        BuiltInIssuer node1 = fixture.builder().build();
        node1.start(fixture.context(first, fixture.clock));
        BuiltInIssuer node2 = fixture.builder().build();
        node2.start(fixture.context(first, fixture.clock));
        String old = SignedJWT.parse(token(node1)).getHeader().getKeyID();

        node1.rotate();
        fixture.clock.advance(Duration.ofSeconds(30));

        String fresh = SignedJWT.parse(token(node2)).getHeader().getKeyID();
        assertThat(fresh).isNotEqualTo(old);
        assertThat(first.repository(EntityTypes.SIGNING_KEYS).list(Query.all(), PageRequest.unbounded()).items())
                .extracting(SigningKey::id, k -> k.retiredAt() != null)
                .containsExactlyInAnyOrder(tuple(old, true),
                        tuple(fresh, false));
    }
}
