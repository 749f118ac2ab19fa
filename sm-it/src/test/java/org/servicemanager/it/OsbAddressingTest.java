package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.test.broker.Catalogs;
import org.servicemanager.test.broker.RecordedRequest;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * What a platform's OSB call can address: only brokers it may reach, only the query parameters
 * that were checked, only the path that was routed. The broker's recorded requests show what it
 * received.
 */
@DisplayName("/v1/osb: which broker, path and query a platform's call reaches")
class OsbAddressingTest extends OsbTestBase {

    /** A broker whose only plan is visible to no one. */
    Stage invisible() {
        return newStage(Catalogs.of(Catalogs.offering("hidden").plan(Catalogs.plan("secret"))));
    }

    @Nested
    @DisplayName("a broker the platform sees no plan of")
    class UnreachableBrokers {

        @Test
        @DisplayName("has no catalog for the platform: 404 with the OSB error body, like an unknown broker")
        void catalog() {
            Stage s = invisible();

            ApiResponse response = osbA.get(s.base() + "/catalog");

            assertOsbError(response, 404);
            assertThat(response.text("description"))
                    .isEqualTo(osbA.get("/v1/osb/no-such-broker/v2/catalog").text("description")
                            .replace("no-such-broker", s.brokerId));
        }

        @Test
        @DisplayName("does not get last_operation of an instance or a binding: 404, the broker is not called")
        void lastOperation() {
            Stage s = invisible();

            assertOsbError(osbA.get(s.instance(unique("i")) + "/last_operation"), 404);
            assertOsbError(osbA.get(s.binding(unique("i"), unique("b")) + "/last_operation"), 404);
            assertThat(s.osbCalls()).isEmpty();
        }

        @Test
        @DisplayName("gets no call forwarded at all: provision, fetch, deprovision, bind, unbind are 404")
        void everyCall() {
            Stage s = invisible();
            String i = unique("i");

            assertOsbError(osbA.put(s.instance(i), provisionBody("hidden", "secret", "org-1")), 404);
            assertOsbError(osbA.get(s.instance(i)), 404);
            assertOsbError(osbA.delete(s.instance(i) + idsQuery("hidden", "secret")), 404);
            assertOsbError(osbA.put(s.binding(i, unique("b")), bindBody("hidden", "secret")), 404);
            assertOsbError(osbA.delete(s.binding(i, unique("b")) + idsQuery("hidden", "secret")), 404);
            assertThat(s.osbCalls()).isEmpty();
        }

        @Test
        @DisplayName("becomes reachable for the one platform a plan is made visible to, not for the others")
        void visibleToOnePlatform() {
            Stage s = invisible();
            admin.post("/v1/visibilities", json("service_plan_id", s.plan("secret"), "platform_id",
                    platformId(platformA)));

            assertThat(osbA.get(s.base() + "/catalog").status()).isEqualTo(200);
            assertOsbError(osbB.get(s.base() + "/catalog"), 404);
            assertOsbError(osbB.get(s.instance(unique("i")) + "/last_operation"), 404);
            assertThat(s.osbCalls()).isEmpty();
        }

        @Test
        @DisplayName("stays reachable for an instance the platform holds there: it can poll, unbind and deprovision")
        void ownInstanceAfterVisibilityIsGone() {
            Stage s = invisible();
            JsonNode visibility = admin.post("/v1/visibilities", json("service_plan_id", s.plan("secret"),
                    "platform_id", platformId(platformA))).json();
            String i = unique("i");
            assertThat(osbA.put(s.instance(i), provisionBody("hidden", "secret", "org-1")).status()).isEqualTo(201);
            String b = unique("b");
            assertThat(osbA.put(s.binding(i, b), bindBody("hidden", "secret")).status()).isEqualTo(201);
            assertThat(admin.delete("/v1/visibilities/" + visibility.get("id").asText()).status()).isEqualTo(200);
            s.broker.clearRequests();

            assertOsbError(osbA.get(s.base() + "/catalog"), 404);
            assertThat(osbA.get(s.instance(i) + "/last_operation").status()).isNotEqualTo(404);
            assertThat(osbA.delete(s.binding(i, b) + idsQuery("hidden", "secret")).status()).isEqualTo(200);
            assertThat(osbA.delete(s.instance(i) + idsQuery("hidden", "secret")).status()).isEqualTo(200);
            assertThat(s.osbCalls()).extracting(RecordedRequest::method).containsExactly("GET", "DELETE", "DELETE");
            assertThat(instanceRecord(i).status()).isEqualTo(404);
            assertOsbError(osbB.get(s.instance(i) + "/last_operation"), 404);
        }
    }

    @Nested
    @DisplayName("the query")
    class Query {

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"plan_id", "service_id", "accepts_incomplete", "operation"})
        @DisplayName("an OSB parameter given twice is 400 naming it; the broker is not called")
        void duplicate(String name) {
            String id = provisioned(osbA, "small");
            stage.broker.clearRequests();

            ApiResponse response = osbA.delete(stage.instance(id) + idsQuery("db", "small")
                    + "&accepts_incomplete=true&operation=x&" + name + "=other");

            assertOsbError(response, 400);
            assertThat(response.text("description")).contains("'" + name + "'");
            assertThat(stage.osbCalls()).isEmpty();
            assertThat(instanceRecord(id).status()).isEqualTo(200);
        }

        @Test
        @DisplayName("plan_id=visible&plan_id=hidden on a record-less delete is 400; the hidden plan is not reached")
        void visibleThenHidden() {
            String delete = stage.instance(unique("i")) + "?service_id=db-id&plan_id=small-id&plan_id=secret-db-id";

            assertOsbError(osbA.delete(delete), 400);
            assertThat(stage.osbCalls()).isEmpty();
        }

        @Test
        @DisplayName("a duplicate spelled with percent-encoding (plan%5Fid) is a duplicate too")
        void encodedDuplicate() {
            String delete = stage.instance(unique("i")) + "?service_id=db-id&plan_id=small-id&plan%5Fid=secret-db-id";

            assertOsbError(osbA.delete(delete), 400);
            assertThat(stage.osbCalls()).isEmpty();
        }

        @Test
        @DisplayName("the broker gets the checked OSB parameters, canonically encoded, and nothing else")
        void onlyCheckedParameters() {
            String id = provisioned(osbA, "small");
            stage.broker.clearRequests();

            ApiResponse response = osbA.delete(stage.instance(id)
                    + "?extra=1&service_id=db%2Did&plan_id=small-id&accepts_incomplete=true&&x");

            assertThat(response.status()).as(response.body()).isEqualTo(200);
            assertThat(stage.osbCalls()).extracting(RecordedRequest::query)
                    .containsExactly("service_id=db-id&plan_id=small-id&accepts_incomplete=true");
        }

        @Test
        @DisplayName("an OSB parameter that is not valid percent-encoded UTF-8 is 400 naming it")
        void malformedValue() {
            ApiResponse response = osbA.delete(stage.instance(unique("i")) + "?service_id=db-id&plan_id=small%FF");

            assertOsbError(response, 400);
            assertThat(response.text("description")).contains("plan_id");
            assertThat(stage.osbCalls()).isEmpty();
        }
    }

    @Nested
    @DisplayName("the path")
    class Path {

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"//", "///", "////"})
        @DisplayName("extra leading slashes do not shift what the broker receives")
        void leadingSlashes(String slashes) {
            String id = unique("i");

            String answer = raw("PUT", slashes + stage.instance(id).substring(1), provisionBody("small"));

            assertThat(answer).startsWith("HTTP/1.1 201");
            assertThat(stage.osbCalls()).extracting(RecordedRequest::path)
                    .containsExactly("/v2/service_instances/" + id);
            assertThat(instanceRecord(id).status()).isEqualTo(200);
        }

        @Test
        @DisplayName("a trailing slash is not forwarded: the broker gets the id the record holds")
        void trailingSlash() {
            String id = unique("i");
            stage.osb.asynchronous(0);

            assertThat(osbA.put(stage.instance(id) + "/?accepts_incomplete=true", provisionBody("small")).status())
                    .isEqualTo(202);
            osbA.get(stage.instance(id) + "/last_operation/");

            assertThat(stage.osbCalls()).extracting(RecordedRequest::path).containsExactly(
                    "/v2/service_instances/" + id, "/v2/service_instances/" + id + "/last_operation");
            assertThat(instanceRecord(id).json().get("ready").asBoolean()).isTrue();
        }

        @Test
        @DisplayName("a binding's last_operation reaches the broker at the binding's path")
        void bindingPath() {
            String id = provisioned(osbA, "small");
            String b = bound(osbA, id, "small");
            stage.broker.clearRequests();

            osbA.get(stage.binding(id, b) + "/last_operation?operation=op%2F1");

            assertThat(stage.osbCalls()).extracting(RecordedRequest::toString).containsExactly(
                    "GET /v2/service_instances/" + id + "/service_bindings/" + b + "/last_operation?operation=op%2F1");
        }

        @Test
        @DisplayName("ids with characters outside the unreserved set reach the broker as the same id")
        void encodedId() {
            String id = unique("i") + " a+b:c\u00e9";

            ApiResponse response = osbA.put(stage.instance(ApiClient.encode(id)), provisionBody("small"));

            assertThat(response.status()).as(response.body()).isEqualTo(201);
            assertThat(stage.osbCalls()).extracting(RecordedRequest::path)
                    .containsExactly("/v2/service_instances/" + id);
            assertThat(instanceRecord(ApiClient.encode(id)).status()).isEqualTo(200);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"a%2Fb", "a%2fb", "%2F", "a%01b", "a%7Fb", "a%C2%85b", "a%FFb", "a%C3b", "%E2%82",
                "a%ED%A0%80b"})
        @DisplayName("an instance id with '/', a control character or malformed UTF-8 is 400; no broker call")
        void badInstanceIds(String rawId) {
            ApiResponse response = osbA.put(stage.base() + "/service_instances/" + rawId, provisionBody("small"));

            assertOsbError(response, 400);
            assertThat(response.text("description")).contains("instance_id");
            assertThat(stage.osbCalls()).isEmpty();
        }

        @Test
        @DisplayName("a binding id with '/' is 400 naming binding_id; the broker is not called")
        void bindingIdWithSlash() {
            String id = provisioned(osbA, "small");
            stage.broker.clearRequests();

            ApiResponse response = osbA.put(stage.binding(id, "x%2F..%2F..%2Fother"), bindBody("db", "small"));

            assertOsbError(response, 400);
            assertThat(response.text("description")).contains("binding_id");
            assertThat(stage.osbCalls()).isEmpty();
        }
    }

    /** Sends one request with exactly this request target over a plain socket; the status line and the rest. */
    private String raw(String method, String target, String json) {
        String credentials = Base64.getEncoder().encodeToString((platformA.at("/credentials/basic/username").asText()
                + ":" + platformA.at("/credentials/basic/password").asText()).getBytes(StandardCharsets.UTF_8));
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        URI base = URI.create(server.baseUrl());
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write((method + " " + target + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\n"
                    + "Authorization: Basic " + credentials + "\r\nX-Broker-API-Version: " + VERSION + "\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
