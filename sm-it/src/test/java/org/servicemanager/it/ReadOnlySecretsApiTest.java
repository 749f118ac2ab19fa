package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.api.model.ServiceBinding;
import org.servicemanager.api.security.Role;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/** Read-only operators never see secrets: a binding's credentials and the other sealed fields. */
@DisplayName("secrets and read-only operators")
class ReadOnlySecretsApiTest extends PlatformApiTestBase {
    private static final String SECRET = "Binding-Secret-4714";
    private static final List<String> SEALED_FIELDS = List.of("credentials", "syslog_drain_url", "route_service_url",
            "volume_mounts", "endpoints");

    @Override
    void configure(ServiceManager.Builder builder) {
        super.configure(builder);
        builder.user(RolesApiTest.READER, RolesApiTest.READER_PASSWORD, Role.READ_ONLY).bearerTokens(new TestTokens());
    }

    private ServiceBinding binding() {
        return smBinding(smInstance(stage.plan("small")).id(), unique("b"), json("credentials", map("password", SECRET),
                "syslog_drain_url", "syslog://logs.example:514", "route_service_url", "https://route.example",
                "volume_mounts", List.of(map("driver", "nfs")), "endpoints", List.of(map("host", "db.example"))));
    }

    @Test
    @DisplayName("an administrator's GET of a binding shows the credentials and the other sealed fields")
    void adminSeesThem() {
        JsonNode shown = admin.get("/v1/service_bindings/" + binding().id()).json();

        assertThat(shown.at("/credentials/password").asText()).isEqualTo(SECRET);
        SEALED_FIELDS.forEach(field -> assertThat(shown.has(field)).as(field).isTrue());
    }

    @Test
    @DisplayName("a read-only user's or token's GET of a binding leaves out the credentials and every sealed field")
    void readOnlyDoesNot() {
        String id = binding().id();
        for (ApiClient reader : List.of(anonymous.withCredentials(RolesApiTest.READER, RolesApiTest.READER_PASSWORD),
                anonymous.withAuthorization("Bearer " + TestTokens.READER))) {
            ApiResponse response = reader.get("/v1/service_bindings/" + id);

            assertThat(response.status()).as(response.body()).isEqualTo(200);
            assertThat(response.json().get("id").asText()).isEqualTo(id);
            assertThat(response.json().has("last_operation")).isTrue();
            SEALED_FIELDS.forEach(field -> assertThat(response.json().has(field)).as(field).isFalse());
            assertThat(response.body()).doesNotContain(SECRET).doesNotContain("db.example");
        }
    }

    @Test
    @DisplayName("a read-only user asking the broker for a binding's or an instance's parameters gets 403 naming the role")
    void parametersRefused() {
        ServiceBinding binding = binding();
        ApiClient reader = anonymous.withCredentials(RolesApiTest.READER, RolesApiTest.READER_PASSWORD);
        for (String path : List.of("/v1/service_bindings/" + binding.id() + "/parameters",
                "/v1/service_instances/" + binding.serviceInstanceId() + "/parameters")) {
            ApiResponse response = reader.get(path);

            assertErrorNaming(response, 403, "Forbidden", "this call needs the role admin; the caller has the role "
                    + "read-only");
        }
    }
}
