package org.servicemanager.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;

/**
 * Random methods, paths, queries, bodies and content types against one server. The seed is fixed
 * so a failure can be replayed; run with {@code -Drandom.seed=N} (via surefire's argLine) to explore.
 */
@DisplayName("random requests")
class RandomRequestsApiTest extends ApiTestBase {
    private static final long SEED = Long.getLong("random.seed", 20261127L);
    private static final int REQUESTS = 300;

    private static final String[] METHODS = {"GET", "GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"};
    private static final String[] CONTENT_TYPES = {"application/json", "application/json", "text/plain",
            "application/merge-patch+json", "application/json; charset=latin1", "", null};
    private static final String[] QUERY_PARTS = {"fieldQuery=", "labelQuery=", "max_items=", "token=",
            "regenerateCredentials=", "async=", "%", "&&", "=", "fieldQuery"};
    private static final String[] QUERY_VALUES = {"name eq 'x'", "name eq x", "id in ('a','b')", "a eq 'b' and",
            "created_at gt 2020-01-01T00:00:00Z", "ready eq true", "env notin ()", "'''", "((((", "0", "-1", "500",
            "AAAA", "true", "yes", "%zz", "name contains ''", "maximum_polling_duration ge 99999999999999999999",
            "description en 'x'", "\u00e9\u00e8 eq '\u2603'", "\u0000", ""};
    private static final String[] FIELDS = {"id", "name", "type", "description", "labels", "broker_url",
            "credentials", "service_plan_id", "platform_id", "bogus", ""};

    private final List<String> ids = new ArrayList<>(List.of("x", "%2e%2e", "..", "%", "a%2Fb", "ü", "%00"));

    @Test
    @DisplayName("a seeded stream of random requests never gets a server error")
    void noServerErrors() {
        FakeBroker broker = broker();
        ids.add(registerBroker(broker).get("id").asText());
        ids.add(createPlatform().get("id").asText());
        plansOfBroker(ids.get(ids.size() - 2)).forEach(p -> ids.add(p.get("id").asText()));
        String[] resources = {"platforms", "service_brokers", "service_offerings", "service_plans", "visibilities",
                "info", "monitor/health", "nothing", ""};
        String[] brokerUrls = {broker.url(), "http://127.0.0.1:" + closedPort(), "garbage", "ftp://x", ""};
        Random random = new Random(SEED);
        List<String> failures = new ArrayList<>();

        for (int i = 0; i < REQUESTS; i++) {
            String method = pick(random, METHODS);
            StringBuilder path = new StringBuilder("/v1/").append(pick(random, resources));
            if (random.nextInt(3) > 0) {
                path.append('/').append(ids.get(random.nextInt(ids.size())));
            }
            if (random.nextInt(2) == 0) {
                path.append('?');
                for (int p = random.nextInt(3); p >= 0; p--) {
                    path.append(pick(random, QUERY_PARTS));
                    String value = pick(random, QUERY_VALUES);
                    path.append(random.nextBoolean() ? ApiClient.encode(value) : value.replace(" ", "+")
                            .replace("'", "%27").replace("\u0000", "%00").replaceAll("[^\\x21-\\x7e]", "%C3%A9"));
                    path.append('&');
                }
            }
            String body = randomBody(random, brokerUrls);
            ApiClient client = random.nextInt(5) == 0 ? anonymous : admin;
            ApiResponse response;
            try {
                response = client.raw(method, path.toString(), pick(random, CONTENT_TYPES),
                        body == null ? null : body.getBytes(StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                continue; // a path java.net.URI refuses cannot be sent at all
            }
            boolean brokerCall = path.toString().startsWith("/v1/service_brokers")
                    && (method.equals("POST") || method.equals("PATCH"));
            boolean acceptable = response.status() < 500
                    || brokerCall && (response.status() == 502 || response.status() == 504);
            if (!acceptable) {
                failures.add(method + " " + path + " " + body + " -> " + response);
            }
        }

        assertThat(failures).isEmpty();
        assertThat(admin.get("/v1/monitor/health").status()).isEqualTo(200);
    }

    private static String randomBody(Random random, String[] brokerUrls) {
        switch (random.nextInt(6)) {
            case 0:
                return null;
            case 1:
                byte[] bytes = new byte[random.nextInt(40)];
                random.nextBytes(bytes);
                return new String(bytes, StandardCharsets.ISO_8859_1);
            case 2:
                return pick(random, new String[] {"{}", "[]", "null", "1", "\"s\"", "{\"a\":", "{\"a\":1,\"a\":2}",
                        "{\"labels\": [{\"op\": \"add\"}]}", "{\"labels\": {\"k\": [\"\"]}}"});
            default:
                StringBuilder json = new StringBuilder("{");
                for (int f = random.nextInt(4); f >= 0; f--) {
                    String field = pick(random, FIELDS);
                    String pair = ApiTestBase.json(field, value(random, field, brokerUrls));
                    json.append(pair, 1, pair.length() - 1);
                    json.append(f > 0 ? "," : "");
                }
                return json.append('}').toString();
        }
    }

    private static Object value(Random random, String field, String[] brokerUrls) {
        switch (field) {
            case "broker_url":
                return pick(random, brokerUrls);
            case "credentials":
                return random.nextBoolean() ? map("basic", map("username", "u", "password", "p"))
                        : map("token", random.nextBoolean() ? "t" : null);
            case "labels":
                return random.nextBoolean() ? map("k", List.of("v")) : List.of(map("op", "add", "key", "k",
                        "values", List.of("v")));
            default:
                Object[] values = {"a", "", null, 1, true, List.of(), map(), "x".repeat(60)};
                return values[random.nextInt(values.length)];
        }
    }

    private static String pick(Random random, String[] values) {
        return values[random.nextInt(values.length)];
    }
}
