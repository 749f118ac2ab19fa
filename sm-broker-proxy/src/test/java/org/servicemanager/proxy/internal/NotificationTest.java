package org.servicemanager.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.proxy.PlanAccess;

@DisplayName("Notification parsing and the model it changes")
class NotificationTest {
    private static final String ORG = "organization_guid";

    private static String visibilityCreated(long revision, String visibilityId, String platformId, String labels) {
        return visibilityCreated(revision, visibilityId, platformId, labels, "pg");
    }

    private static String visibilityCreated(long revision, String visibilityId, String platformId, String labels,
                                            String brokerName) {
        return """
                {"id": "n%d", "resource": "/v1/visibilities", "type": "CREATED", "platform_id": %s,
                 "revision": %d, "correlation_id": "c%d", "created_at": "2026-11-29T08:00:00Z",
                 "payload": {"new": {
                   "resource": {"id": "%s", "platform_id": %s, "service_plan_id": "plan-1", "labels": %s},
                   "additional": {"broker_id": "b1", "broker_name": "%s",
                                  "service_plan": {"id": "plan-1", "catalog_id": "small-id"}}}}}
                """.formatted(revision, platformId, revision, revision, visibilityId, platformId, labels, brokerName);
    }

    private static String visibilityDeleted(long revision, String visibilityId) {
        return """
                {"id": "n%d", "resource": "/v1/visibilities", "type": "DELETED", "platform_id": "p1",
                 "revision": %d, "payload": {"old": {
                   "resource": {"id": "%s", "platform_id": "p1", "service_plan_id": "plan-1", "labels": {}},
                   "additional": {"broker_id": "b1", "broker_name": "pg",
                                  "service_plan": {"id": "plan-1", "catalog_id": "small-id"}}}}}
                """.formatted(revision, revision, visibilityId);
    }

    @Test
    @DisplayName("a visibility of a broker the model does not know yet makes the broker known, with that plan")
    void visibilityOfUnknownBroker() throws Exception {
        SmModel model = new SmModel();
        Notification n = Notification.parse(visibilityCreated(4, "v1", "\"p1\"", "{\"" + ORG + "\": [\"o1\"]}"));

        assertThat(n.revision()).isEqualTo(4);
        assertThat(n.correlationId()).isEqualTo("c4");
        assertThat(n.change().apply(model)).containsExactly("b1");
        assertThat(model.desired("b1", ORG)).hasValueSatisfying(d -> {
            assertThat(d.brokerName()).isEqualTo("pg");
            assertThat(d.accessByCatalogId()).containsExactly(Map.entry("small-id", PlanAccess.scoped(Set.of("o1"))));
        });
    }

    @Test
    @DisplayName("the access of a plan is the union over its visibilities, those for all platforms included: scoped by their labels, else open to everyone")
    void unionOfVisibilities() throws Exception {
        SmModel model = new SmModel();
        Notification.parse(visibilityCreated(1, "v1", "\"p1\"", "{\"" + ORG + "\": [\"o1\"]}")).change().apply(model);
        Notification.parse(visibilityCreated(2, "v2", "\"p1\"", "{\"" + ORG + "\": [\"o2\"]}")).change().apply(model);
        assertThat(model.desired("b1", ORG).orElseThrow().accessByCatalogId().get("small-id"))
                .isEqualTo(PlanAccess.scoped(Set.of("o1", "o2")));

        Notification.parse(visibilityCreated(3, "v3", "null", "{\"" + ORG + "\": [\"o3\"]}")).change().apply(model);
        assertThat(model.desired("b1", ORG).orElseThrow().accessByCatalogId().get("small-id"))
                .as("the Service Manager scopes a Cloud Foundry call by an all-platform visibility's labels too")
                .isEqualTo(PlanAccess.scoped(Set.of("o1", "o2", "o3")));

        Notification.parse(visibilityCreated(4, "v4", "null", "{}")).change().apply(model);
        assertThat(model.desired("b1", ORG).orElseThrow().accessByCatalogId().get("small-id"))
                .isEqualTo(PlanAccess.everyone());
    }

    @Test
    @DisplayName("a platform without scopes opens a plan to everyone whatever the labels")
    void noScopeKey() throws Exception {
        SmModel model = new SmModel();
        Notification.parse(visibilityCreated(1, "v1", "\"p1\"", "{\"" + ORG + "\": [\"o1\"]}")).change().apply(model);

        assertThat(model.desired("b1", null).orElseThrow().accessByCatalogId().get("small-id"))
                .isEqualTo(PlanAccess.everyone());
    }

    @Test
    @DisplayName("applying the same change twice leaves the model as applying it once")
    void idempotent() throws Exception {
        SmModel once = new SmModel();
        SmModel twice = new SmModel();
        Notification n = Notification.parse(visibilityCreated(1, "v1", "\"p1\"", "{}"));
        n.change().apply(once);
        n.change().apply(twice);
        n.change().apply(twice);

        assertThat(twice.desired("b1", ORG)).isEqualTo(once.desired("b1", ORG));
        assertThat(twice.brokerIds()).isEqualTo(once.brokerIds());
    }

    @Test
    @DisplayName("refuses frames that are not JSON, lack a revision, or lack what their type needs, naming the gap")
    void badFrames() {
        assertThatThrownBy(() -> Notification.parse("{not json")).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> Notification.parse("[1]")).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> Notification.parse("{\"id\":\"n\",\"resource\":\"/v1/visibilities\",\"type\":\"CREATED\","
                + "\"payload\":{}}")).hasMessageContaining("revision");
        assertThatThrownBy(() -> Notification.parse("{\"id\":\"n\",\"resource\":\"/v1/service_brokers\",\"type\":\"DELETED\","
                + "\"revision\":1,\"payload\":{}}")).hasMessageContaining("old");
        assertThatThrownBy(() -> Notification.parse("{\"id\":\"n\",\"resource\":\"/v1/service_brokers\",\"type\":\"RENAMED\","
                + "\"revision\":1,\"payload\":{}}")).hasMessageContaining("RENAMED");
        assertThatThrownBy(() -> Notification.parse(visibilityCreated(1, "v1", "null", "[\"x\"]")))
                .hasMessageContaining("labels");
    }

    @Test
    @DisplayName("a deleted broker takes the visibilities of its plans with it")
    void brokerDeleted() throws Exception {
        SmModel model = new SmModel();
        Notification.parse(visibilityCreated(1, "v1", "null", "{}")).change().apply(model);

        assertThat(Notification.parse("{\"id\":\"n\",\"resource\":\"/v1/service_brokers\",\"type\":\"DELETED\","
                + "\"revision\":2,\"payload\":{\"old\":{\"resource\":{\"id\":\"b1\",\"name\":\"pg\"}}}}")
                .change().apply(model)).containsExactly("b1");
        assertThat(model.visibility("v1")).isEmpty();
        assertThat(model.desired("b1", ORG)).isEmpty();
        assertThat(List.copyOf(model.brokerIds())).isEmpty();
    }

    @Test
    @DisplayName("a visibility of a broker the model knows takes the broker's name from the notification, which is the current one")
    void visibilityRenamesKnownBroker() throws Exception {
        SmModel model = new SmModel();
        Notification.parse(visibilityCreated(1, "v1", "\"p1\"", "{}", "foo")).change().apply(model);

        Notification.parse(visibilityCreated(2, "v2", "\"p1\"", "{}", "bar")).change().apply(model);

        assertThat(model.desired("b1", ORG).orElseThrow().brokerName()).isEqualTo("bar");
    }

    @Test
    @DisplayName("removing a broker's last visibility drops the broker, so a later visibility registers it under its current name")
    void lastVisibilityRemovedDropsBroker() throws Exception {
        SmModel model = new SmModel();
        Notification.parse(visibilityCreated(1, "v1", "\"p1\"", "{}", "foo")).change().apply(model);

        assertThat(Notification.parse(visibilityDeleted(2, "v1")).change().apply(model)).containsExactly("b1");
        assertThat(model.brokerIds()).isEmpty();
        // Renamed meanwhile; the platform, seeing none of its plans, got no broker notification.
        Notification.parse(visibilityCreated(3, "v2", "\"p1\"", "{}", "bar")).change().apply(model);

        assertThat(model.desired("b1", ORG).orElseThrow().brokerName()).isEqualTo("bar");
    }

    @Test
    @DisplayName("removing one of a broker's visibilities keeps the broker while another is left")
    void otherVisibilityKeepsBroker() throws Exception {
        SmModel model = new SmModel();
        Notification.parse(visibilityCreated(1, "v1", "\"p1\"", "{}")).change().apply(model);
        Notification.parse(visibilityCreated(2, "v2", "null", "{}")).change().apply(model);

        Notification.parse(visibilityDeleted(3, "v1")).change().apply(model);

        assertThat(model.brokerIds()).containsExactly("b1");
        assertThat(model.desired("b1", ORG)).isPresent();
    }

    @Test
    @DisplayName("a visibility moved to another broker's plan drops the broker it leaves without visibility, and both are reconciled")
    void movedVisibilityDropsOldBroker() throws Exception {
        SmModel model = new SmModel();
        Notification.parse(visibilityCreated(1, "v1", "\"p1\"", "{}")).change().apply(model);
        String moved = """
                {"id": "n2", "resource": "/v1/visibilities", "type": "MODIFIED", "platform_id": "p1", "revision": 2,
                 "payload": {
                   "old": {"resource": {"id": "v1", "platform_id": "p1", "service_plan_id": "plan-1", "labels": {}},
                           "additional": {"broker_id": "b1", "broker_name": "pg",
                                          "service_plan": {"id": "plan-1", "catalog_id": "small-id"}}},
                   "new": {"resource": {"id": "v1", "platform_id": "p1", "service_plan_id": "plan-2", "labels": {}},
                           "additional": {"broker_id": "b2", "broker_name": "mysql",
                                          "service_plan": {"id": "plan-2", "catalog_id": "tiny-id"}}}}}
                """;

        assertThat(Notification.parse(moved).change().apply(model)).containsExactlyInAnyOrder("b1", "b2");

        assertThat(model.brokerIds()).containsExactly("b2");
        assertThat(model.desired("b2", ORG).orElseThrow().brokerName()).isEqualTo("mysql");
    }
}
