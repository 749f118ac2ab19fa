package org.servicemanager.brokerproxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.servicemanager.test.broker.FakeBroker;
import org.servicemanager.test.http.ApiClient;
import org.servicemanager.test.http.ApiResponse;
import org.servicemanager.test.process.JarProcess;

/**
 * The README's walk-through as processes: {@code java -jar sm-standalone.jar} (memory store) and
 * {@code java -jar sm-broker-proxy.jar} (memory platform), driven through the REST API, checked by
 * the proxy's log. Run by failsafe, after the package phase built both jars.
 */
@DisplayName("java -jar sm-broker-proxy.jar")
class BrokerProxyJarIT {
    private static final Pattern LISTENING = Pattern.compile("Service Manager listening on (http://\\S+)");
    private static final String ADMIN_PASSWORD = "it-admin-secret";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path output;

    @Test
    @DisplayName("replicates a broker from the standalone server as sm-<name> once a visibility exists, logs it, "
            + "never logs the platform password, and stops cleanly on SIGTERM")
    void replicatesFromStandalone() throws Exception {
        long started = System.nanoTime();
        JarProcess sm = JarProcess.start(jar("sm.standalone.jar", "../standalone/target/sm-standalone.jar"),
                output.resolve("sm"), "SM_PORT", "0", "SM_STORAGE", "memory", "SM_ADMIN_PASSWORD", ADMIN_PASSWORD);
        JarProcess proxy = null;
        try (FakeBroker broker = FakeBroker.start().withBasicAuth("broker-user", "broker-pass")) {
            Matcher listening = LISTENING.matcher(sm.awaitStdout(LISTENING, WAIT));
            assertThat(listening.find()).isTrue();
            String smUrl = listening.group(1);
            ApiClient admin = new ApiClient(smUrl).withCredentials("admin", ADMIN_PASSWORD);
            JsonNode platform = ok(admin.post("/v1/platforms", "{\"name\":\"demo\",\"type\":\"cloudfoundry\"}"), 201);
            String platformPassword = platform.at("/credentials/basic/password").asText();

            proxy = JarProcess.start(jar("sm.broker-proxy.jar", "target/sm-broker-proxy.jar"), output.resolve("proxy"),
                    "SM_URL", smUrl, "SM_PLATFORM_USERNAME", platform.at("/credentials/basic/username").asText(),
                    "SM_PLATFORM_PASSWORD", platformPassword);
            proxy.awaitStdout(Pattern.compile("Resync done"), WAIT);

            String brokerId = ok(admin.post("/v1/service_brokers", "{\"name\":\"my-broker\",\"broker_url\":\""
                    + broker.url() + "\",\"credentials\":{\"basic\":{\"username\":\"broker-user\","
                    + "\"password\":\"broker-pass\"}}}"), 201).get("id").asText();
            String planId = ok(admin.get("/v1/service_plans?fieldQuery=" + ApiClient.encode("catalog_name eq 'small'")),
                    200).get("items").get(0).get("id").asText();
            ok(admin.post("/v1/visibilities", "{\"service_plan_id\":\"" + planId + "\",\"platform_id\":\""
                    + platform.get("id").asText() + "\"}"), 201);

            proxy.awaitStdout(Pattern.compile(Pattern.quote("Registered broker sm-my-broker at " + smUrl + "/v1/osb/"
                    + brokerId)), WAIT);
            proxy.awaitStdout(Pattern.compile(Pattern.quote("Set access of plan small-id of broker sm-my-broker to "
                    + "EVERYONE")), WAIT);
            proxy.awaitStdout(Pattern.compile(Pattern.quote("In-memory platform now: 1 broker: sm-my-broker "
                    + "[small: everyone]")), WAIT);

            proxy.process().destroy(); // SIGTERM
            assertThat(proxy.process().waitFor(15, TimeUnit.SECONDS)).as("exited within 15 s").isTrue();
            assertThat(proxy.process().exitValue()).isIn(0, 143);
            assertThat(proxy.stdout()).anyMatch(line -> line.contains("Service Broker Proxy stopped"));
            assertThat(proxy.stdout()).allMatch(line -> !line.contains(platformPassword));
            assertThat(proxy.stderr()).allMatch(line -> !line.contains(platformPassword));
            assertThat(proxy.stdout()).as("every line has a time stamp and a level")
                    .allMatch(line -> line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (INFO|WARN) .*"));
            System.out.printf("standalone + proxy walk-through took %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        } finally {
            if (proxy != null) {
                proxy.process().destroyForcibly();
            }
            sm.process().destroyForcibly();
        }
    }

    @Test
    @DisplayName("refuses a bad PROXY_RESYNC_INTERVAL with one line on stderr, no stack trace, and exit code 2")
    void badConfiguration() throws Exception {
        JarProcess proxy = JarProcess.start(jar("sm.broker-proxy.jar", "target/sm-broker-proxy.jar"), output,
                "SM_URL", "http://127.0.0.1:1", "SM_PLATFORM_USERNAME", "u", "SM_PLATFORM_PASSWORD", "p",
                "PROXY_RESYNC_INTERVAL", "12");
        try {
            assertThat(proxy.process().waitFor(15, TimeUnit.SECONDS)).as("exited within 15 s").isTrue();

            assertThat(proxy.process().exitValue()).isEqualTo(2);
            assertThat(proxy.stderr()).containsExactly("Service Broker Proxy not started: PROXY_RESYNC_INTERVAL must be "
                    + "a whole number followed by s, m, h or d (such as 90s, 30m, 12h), from 1s to 365d, was '12'");
            assertThat(proxy.stdout()).isEmpty();
        } finally {
            proxy.process().destroyForcibly();
        }
    }

    private static Path jar(String property, String fallback) {
        Path jar = Path.of(System.getProperty(property, fallback));
        assertThat(jar).as("the shaded jar, built in the package phase").isRegularFile();
        return jar;
    }

    private static JsonNode ok(ApiResponse response, int status) {
        assertThat(response.status()).as("%s", response).isEqualTo(status);
        return response.json();
    }
}
