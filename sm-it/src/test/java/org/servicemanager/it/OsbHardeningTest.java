package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.http.ApiResponse;

/**
 * Inputs that once got past the checks: a header the HTTP client cannot forward, ids no broker
 * URL should carry, deletes of instances the Service Manager has no record of, org scoping
 * without an org in the context, and broker answers outside HTTP.
 */
class OsbHardeningTest extends OsbTestBase {

    @Test
    @DisplayName("an originating-identity header that cannot be forwarded is 400, leaves no record, reaches no broker")
    void unforwardableHeader() throws Exception {
        String id = unique("i");
        String credentials = Base64.getEncoder().encodeToString((platformA.at("/credentials/basic/username").asText()
                + ":" + platformA.at("/credentials/basic/password").asText()).getBytes(StandardCharsets.UTF_8));
        byte[] body = provisionBody("small").getBytes(StandardCharsets.UTF_8);
        URI base = URI.create(server.baseUrl());
        String answer;
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("PUT " + stage.instance(id) + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\n"
                    + "Authorization: Basic " + credentials + "\r\nX-Broker-API-Version: 2.17\r\n"
                    + "X-Broker-API-Originating-Identity: cloudfoundry a\u0001b\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(answer).startsWith("HTTP/1.1 400").contains("X-Broker-API-Originating-Identity");
        assertThat(instanceRecord(id).status()).isEqualTo(404);
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("instance ids over 255 characters, and '.' or '..', are 400; the broker is not called")
    void badIds() {
        assertOsbError(osbA.put(stage.instance("a".repeat(256)), provisionBody("small")), 400);
        assertOsbError(osbA.delete(stage.instance("..") + idsQuery("db", "small")), 400);
        assertThat(stage.osbCalls()).isEmpty();
    }

    @Test
    @DisplayName("deleting an unrecorded instance of a plan the platform cannot see is 400; the broker is not called")
    void deleteWithoutRecordNeedsVisibility() {
        assertOsbError(osbA.delete(stage.instance(unique("i")) + idsQuery("db", "secret-db")), 400);
        assertThat(stage.osbCalls()).isEmpty();
        ApiResponse visible = osbA.delete(stage.instance(unique("i")) + idsQuery("db", "small"));
        assertThat(visible.status()).as("orphan mitigation of a visible plan is forwarded").isEqualTo(410);
    }

    @Test
    @DisplayName("Cloud Foundry without an org in the context: the top-level organization_guid decides, else only "
            + "visibilities not limited to orgs count")
    void orgScopingWithoutContext() {
        Stage s = newStage(defaultCatalog());
        admin.post("/v1/visibilities", json("service_plan_id", s.plan("secret-db"), "platform_id",
                platformId(platformA), "labels", Map.of("organization_guid", List.of("org-1"))));

        ApiResponse noOrg = osbA.put(s.instance(unique("i")), json("service_id", "db-id", "plan_id", "secret-db-id"));
        ApiResponse otherOrg = osbA.put(s.instance(unique("i")), json("service_id", "db-id", "plan_id",
                "secret-db-id", "organization_guid", "org-2", "space_guid", "s"));
        ApiResponse rightOrg = osbA.put(s.instance(unique("i")), json("service_id", "db-id", "plan_id",
                "secret-db-id", "organization_guid", "org-1", "space_guid", "s"));

        assertOsbError(noOrg, 400);
        assertOsbError(otherOrg, 400);
        assertThat(rightOrg.status()).as(rightOrg.body()).isEqualTo(201);
    }

    @Test
    @DisplayName("a broker answering with a status outside HTTP's range is a 502 naming the broker, not a 500")
    void invalidBrokerStatus() throws Exception {
        String catalog = FakeBroker.defaultCatalog();
        try (ServerSocket raw = new ServerSocket(0, 16, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> serveRaw(raw, catalog), "raw-broker");
            server.setDaemon(true);
            server.start();
            ApiResponse registered = admin.post("/v1/service_brokers",
                    brokerBody(unique("raw"), "http://127.0.0.1:" + raw.getLocalPort()));
            assertThat(registered.status()).as(registered.body()).isEqualTo(201);
            String brokerId = registered.json().get("id").asText();
            com.fasterxml.jackson.databind.JsonNode plan = plansOfBroker(brokerId).get(0);
            createPublicVisibility(plan.get("id").asText());
            String offering = admin.get("/v1/service_offerings/" + plan.get("service_offering_id").asText()).json()
                    .get("catalog_id").asText();

            ApiResponse response = osbA.put("/v1/osb/" + brokerId + "/v2/service_instances/" + unique("i"),
                    json("service_id", offering, "plan_id", plan.get("catalog_id").asText()));

            assertOsbError(response, 502);
            assertThat(response.text("description")).contains("799");
        }
    }

    /** Answers the catalog, and 799 to anything else, one request per connection. */
    private static void serveRaw(ServerSocket raw, String catalog) {
        while (!raw.isClosed()) {
            try (Socket socket = raw.accept()) {
                java.io.BufferedReader reader = new java.io.BufferedReader(new java.io.InputStreamReader(
                        socket.getInputStream(), StandardCharsets.ISO_8859_1));
                String requestLine = reader.readLine();
                int length = 0;
                for (String line = reader.readLine(); line != null && !line.isEmpty(); line = reader.readLine()) {
                    if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).trim());
                    }
                }
                reader.skip(length);
                boolean isCatalog = requestLine != null && requestLine.startsWith("GET /v2/catalog");
                byte[] body = (isCatalog ? catalog : "{}").getBytes(StandardCharsets.UTF_8);
                socket.getOutputStream().write(((isCatalog ? "HTTP/1.1 200 OK" : "HTTP/1.1 799 Odd")
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().write(body);
            } catch (java.io.IOException e) {
                return;
            }
        }
    }

    @Test
    @DisplayName("/v1/info answers 200 whatever credentials come with it")
    void infoIgnoresCredentials() {
        assertThat(anonymous.withCredentials("admin", "wrong").get("/v1/info").status()).isEqualTo(200);
        assertThat(anonymous.withAuthorization("Bearer nonsense").get("/v1/info").status()).isEqualTo(200);
    }
}
