package org.servicemanager.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.servicemanager.core.ServiceManager;
import org.servicemanager.storage.memory.MemoryStore;

/**
 * The central-broker benchmark: the same workload sent directly to a {@link MiniBroker} and through
 * the Service Manager (memory store, JDK adapter) in one run: (a) provision + deprovision cycles,
 * (b) catalog GETs. Client, Service Manager and broker share the machine's cores; the client runs
 * a fixed number of closed-loop threads.
 */
final class OsbBenchmark {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private OsbBenchmark() {
    }

    static void run(int threads, int seconds, String serverKind) throws Exception {
        String adminPassword = "bench-" + UUID.randomUUID();
        ServiceManager sm = ServiceManager.builder().store(new MemoryStore()).adminUser("admin", adminPassword)
                .build();
        try (MiniBroker broker = new MiniBroker();
                BareProxy bare = new BareProxy(broker.url());
                Served server = Served.start(sm, serverKind)) {
            String admin = basic("admin", adminPassword);
            HttpClient client = HttpClient.newHttpClient();
            JsonNode platform = post(client, server.baseUrl() + "/v1/platforms", admin,
                    "{\"name\":\"bench-platform\",\"type\":\"kubernetes\"}");
            String platformAuth = basic(platform.at("/credentials/basic/username").asText(),
                    platform.at("/credentials/basic/password").asText());
            JsonNode registered = post(client, server.baseUrl() + "/v1/service_brokers", admin,
                    "{\"name\":\"bench-broker\",\"broker_url\":\"" + broker.url() + "\",\"credentials\":"
                            + "{\"basic\":{\"username\":\"u\",\"password\":\"p\"}}}");
            JsonNode plans = get(client, server.baseUrl() + "/v1/service_plans?max_items=500", admin);
            for (JsonNode plan : plans.get("items")) {
                post(client, server.baseUrl() + "/v1/visibilities", admin,
                        "{\"service_plan_id\":\"" + plan.get("id").asText() + "\"}");
            }
            String direct = broker.url();
            String proxied = server.baseUrl() + "/v1/osb/" + registered.get("id").asText();
            String brokerAuth = basic("u", "p");

            LoadRunner runner = new LoadRunner();
            Duration warmup = Duration.ofSeconds(Math.max(2, seconds / 2));
            Duration measure = Duration.ofSeconds(seconds);
            System.out.printf("osb: %d offerings x %d plans; %d client threads on %d cores; server %s; JDK %s%n",
                    MiniBroker.OFFERINGS, MiniBroker.PLANS, threads, Runtime.getRuntime().availableProcessors(),
                    serverKind, Runtime.version());
            List<LoadRunner.Result[]> pairs = new ArrayList<>();
            LoadRunner.Result directCycles = runner.run("(a) provision+deprovision, direct", threads, warmup,
                    measure, i -> cycle(direct, brokerAuth));
            pairs.add(new LoadRunner.Result[] {directCycles,
                runner.run("(a) provision+deprovision, through a bare proxy", threads, warmup, measure,
                        i -> cycle(bare.url(), brokerAuth))});
            pairs.add(new LoadRunner.Result[] {directCycles,
                runner.run("(a) provision+deprovision, through SM", threads, warmup, measure,
                        i -> cycle(proxied, platformAuth))});
            pairs.add(new LoadRunner.Result[] {
                runner.run("(b) GET /v2/catalog, direct", threads, warmup, measure,
                        i -> List.of(osb("GET", direct + "/v2/catalog", brokerAuth, null))),
                runner.run("(b) GET /v2/catalog, through SM", threads, warmup, measure,
                        i -> List.of(osb("GET", proxied + "/v2/catalog", platformAuth, null)))});
            System.out.println();
            for (LoadRunner.Result[] pair : pairs) {
                System.out.println(pair[0].line());
                System.out.println(pair[1].line());
                System.out.printf("    second / first: throughput %.0f%%, p50 added %.3f ms%n",
                        100 * pair[1].throughput() / pair[0].throughput(),
                        (pair[1].p50Micros() - pair[0].p50Micros()) / 1000);
            }
        }
    }

    private static List<HttpRequest> cycle(String base, String auth) {
        String id = UUID.randomUUID().toString();
        String instance = base + "/v2/service_instances/" + id;
        return List.of(
                osb("PUT", instance, auth, "{\"service_id\":\"svc-1\",\"plan_id\":\"svc-1-plan-2\","
                        + "\"context\":{\"platform\":\"kubernetes\",\"namespace\":\"bench\"},"
                        + "\"organization_guid\":\"-\",\"space_guid\":\"-\"}"),
                osb("DELETE", instance + "?service_id=svc-1&plan_id=svc-1-plan-2", auth, null));
    }

    private static HttpRequest osb(String method, String url, String auth, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", auth)
                .header("X-Broker-API-Version", "2.17");
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        return builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build();
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode post(HttpClient client, String url, String auth, String body) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", auth).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("POST " + url + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return MAPPER.readTree(response.body());
    }

    private static JsonNode get(HttpClient client, String url, String auth) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", auth).GET().build(), HttpResponse.BodyHandlers.ofString());
        return MAPPER.readTree(response.body());
    }
}
