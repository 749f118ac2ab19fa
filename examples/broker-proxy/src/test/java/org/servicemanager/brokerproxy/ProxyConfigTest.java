package org.servicemanager.brokerproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.servicemanager.brokerproxy.ProxyConfig.ConfigurationException;
import org.servicemanager.brokerproxy.ProxyConfig.PlatformKind;

@DisplayName("ProxyConfig.fromEnvironment")
class ProxyConfigTest {
    private static final String PASSWORD = "p4ss word";
    private static final String SECRET = "cf-s3cret";

    /** The smallest valid memory-mode environment, plus {@code more} (name, value pairs; null removes). */
    private static Map<String, String> env(String... more) {
        Map<String, String> env = new HashMap<>();
        env.put("SM_URL", "http://127.0.0.1:8080");
        env.put("SM_PLATFORM_USERNAME", "platform-user");
        env.put("SM_PLATFORM_PASSWORD", PASSWORD);
        return apply(env, more);
    }

    /** A valid cf-mode environment, plus {@code more}. */
    private static Map<String, String> cfEnv(String... more) {
        Map<String, String> env = env("PROXY_PLATFORM", "cf", "CF_API_URL", "https://api.sys.example.com",
                "CF_CLIENT_ID", "sm-proxy", "CF_CLIENT_SECRET", SECRET);
        return apply(env, more);
    }

    private static Map<String, String> apply(Map<String, String> env, String... more) {
        for (int i = 0; i < more.length; i += 2) {
            if (more[i + 1] == null) {
                env.remove(more[i]);
            } else {
                env.put(more[i], more[i + 1]);
            }
        }
        return env;
    }

    private static String error(Map<String, String> env) {
        try {
            ProxyConfig.fromEnvironment(env);
        } catch (ConfigurationException e) {
            return e.getMessage();
        }
        throw new AssertionError("no ConfigurationException for " + env);
    }

    @Test
    @DisplayName("with only the three required variables it runs in memory mode with prefix sm- and a 12 h resync")
    void defaults() {
        ProxyConfig config = ProxyConfig.fromEnvironment(env());

        assertThat(config.serviceManagerUrl()).isEqualTo(URI.create("http://127.0.0.1:8080"));
        assertThat(config.platformUsername()).isEqualTo("platform-user");
        assertThat(config.platformPassword()).isEqualTo(PASSWORD);
        assertThat(config.platform()).isEqualTo(PlatformKind.MEMORY);
        assertThat(config.brokerPrefix()).isEqualTo("sm-");
        assertThat(config.resyncInterval()).isEqualTo(Duration.ofHours(12));
        assertThat(config.cf()).isNull();
    }

    @Test
    @DisplayName("a blank value counts as unset: the default applies")
    void blankIsUnset() {
        ProxyConfig config = ProxyConfig.fromEnvironment(env("PROXY_PLATFORM", " ", "PROXY_BROKER_PREFIX", "",
                "PROXY_RESYNC_INTERVAL", "  "));

        assertThat(config.platform()).isEqualTo(PlatformKind.MEMORY);
        assertThat(config.brokerPrefix()).isEqualTo("sm-");
        assertThat(config.resyncInterval()).isEqualTo(Duration.ofHours(12));
    }

    @Test
    @DisplayName("toString shows the settings but neither the platform password nor the CF client secret")
    void toStringHidesSecrets() {
        String shown = ProxyConfig.fromEnvironment(cfEnv("CF_TOKEN_URL", "https://uaa.example.com/oauth/token"))
                .toString();

        assertThat(shown).contains("platform cf", "http://127.0.0.1:8080", "platform-user", "'sm-'", "12h",
                "https://api.sys.example.com", "sm-proxy", "https://uaa.example.com/oauth/token");
        assertThat(shown).doesNotContain(PASSWORD, SECRET);
        assertThat(ProxyConfig.fromEnvironment(cfEnv()).cf().toString()).doesNotContain(SECRET);
    }

    @Nested
    @DisplayName("SM_URL")
    class SmUrl {
        @Test
        @DisplayName("is required")
        void required() {
            assertThat(error(env("SM_URL", null))).isEqualTo("SM_URL is required (an http or https URL)");
        }

        @Test
        @DisplayName("https with a path is taken as it is")
        void httpsWithPath() {
            assertThat(ProxyConfig.fromEnvironment(env("SM_URL", " https://sm.example.com/base ")).serviceManagerUrl())
                    .isEqualTo(URI.create("https://sm.example.com/base"));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"ftp://sm.example.com", "sm.example.com:8080", "http:///no-host",
                "http://sm.example.com/?x=1", "http://sm.example.com/#top", "http://sm example.com"})
        @DisplayName("must be an http or https URL with a host, without query or fragment; the error shows the value")
        void badUrl(String value) {
            assertThat(error(env("SM_URL", value))).startsWith("SM_URL must be an http or https URL")
                    .endsWith("was '" + value + "'");
        }

        @Test
        @DisplayName("with user info is refused without showing it, as it may hold a password")
        void userInfo() {
            String message = error(env("SM_URL", "http://user:hunter2@sm.example.com"));

            assertThat(message).startsWith("SM_URL must be an http or https URL without user info")
                    .doesNotContain("hunter2");
        }
    }

    @Nested
    @DisplayName("SM_PLATFORM_USERNAME")
    class Username {
        @Test
        @DisplayName("is required")
        void required() {
            assertThat(error(env("SM_PLATFORM_USERNAME", null))).isEqualTo("SM_PLATFORM_USERNAME is required");
        }

        @Test
        @DisplayName("must not contain a colon, which HTTP Basic cannot carry in a user name")
        void colon() {
            assertThat(error(env("SM_PLATFORM_USERNAME", "a:b")))
                    .isEqualTo("SM_PLATFORM_USERNAME must not contain ':', was 'a:b'");
        }
    }

    @Nested
    @DisplayName("SM_PLATFORM_PASSWORD")
    class Password {
        @Test
        @DisplayName("is required")
        void required() {
            assertThat(error(env("SM_PLATFORM_PASSWORD", null))).isEqualTo("SM_PLATFORM_PASSWORD is required");
            assertThat(error(env("SM_PLATFORM_PASSWORD", ""))).isEqualTo("SM_PLATFORM_PASSWORD is required");
        }

        @Test
        @DisplayName("is taken as it is, spaces included")
        void untrimmed() {
            assertThat(ProxyConfig.fromEnvironment(env("SM_PLATFORM_PASSWORD", " pw ")).platformPassword())
                    .isEqualTo(" pw ");
        }
    }

    @Nested
    @DisplayName("PROXY_PLATFORM")
    class PlatformVariable {
        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource({"memory, MEMORY", "cf, CF", "CF, CF", "Memory, MEMORY"})
        @DisplayName("is memory or cf, in any case")
        void known(String value, PlatformKind expected) {
            assertThat(ProxyConfig.fromEnvironment(cfEnv("PROXY_PLATFORM", value)).platform()).isEqualTo(expected);
        }

        @Test
        @DisplayName("anything else is refused, naming the value")
        void unknown() {
            assertThat(error(env("PROXY_PLATFORM", "k8s"))).isEqualTo("PROXY_PLATFORM must be memory or cf, was 'k8s'");
        }
    }

    @Nested
    @DisplayName("PROXY_BROKER_PREFIX")
    class Prefix {
        @Test
        @DisplayName("sets the prefix")
        void custom() {
            assertThat(ProxyConfig.fromEnvironment(env("PROXY_BROKER_PREFIX", "eu-sm-")).brokerPrefix())
                    .isEqualTo("eu-sm-");
        }

        @Test
        @DisplayName("must not contain spaces")
        void spaces() {
            assertThat(error(env("PROXY_BROKER_PREFIX", "sm -"))).isEqualTo(
                    "PROXY_BROKER_PREFIX must not contain spaces or control characters, was 'sm -'");
        }
    }

    @Nested
    @DisplayName("PROXY_RESYNC_INTERVAL")
    class ResyncInterval {
        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource({"90s, PT1M30S", "30m, PT30M", "12h, PT12H", "1d, PT24H", "365d, PT8760H"})
        @DisplayName("is a whole number with the unit s, m, h or d")
        void units(String value, Duration expected) {
            assertThat(ProxyConfig.fromEnvironment(env("PROXY_RESYNC_INTERVAL", value)).resyncInterval())
                    .isEqualTo(expected);
        }

        @ParameterizedTest(name = "''{0}''")
        @ValueSource(strings = {"12", "0s", "-1h", "1.5h", "12 h", "1w", "PT12H", "366d", "9999999999999d"})
        @DisplayName("anything else, zero, or more than 365 days is refused, naming the value")
        void bad(String value) {
            assertThat(error(env("PROXY_RESYNC_INTERVAL", value))).isEqualTo(
                    "PROXY_RESYNC_INTERVAL must be a whole number followed by s, m, h or d (such as 90s, 30m, 12h), "
                            + "from 1s to 365d, was '" + value + "'");
        }
    }

    @Nested
    @DisplayName("with PROXY_PLATFORM=cf")
    class CloudFoundry {
        @Test
        @DisplayName("CF_API_URL, CF_CLIENT_ID and CF_CLIENT_SECRET make the CF settings; the token URL is found later")
        void settings() {
            ProxyConfig.CfSettings cf = ProxyConfig.fromEnvironment(cfEnv()).cf();

            assertThat(cf.apiUrl()).isEqualTo(URI.create("https://api.sys.example.com"));
            assertThat(cf.clientId()).isEqualTo("sm-proxy");
            assertThat(cf.clientSecret()).isEqualTo(SECRET);
            assertThat(cf.tokenUrl()).isNull();
        }

        @Test
        @DisplayName("CF_TOKEN_URL sets the token endpoint")
        void tokenUrl() {
            assertThat(ProxyConfig.fromEnvironment(cfEnv("CF_TOKEN_URL", "https://uaa.example.com/oauth/token")).cf()
                    .tokenUrl()).isEqualTo(URI.create("https://uaa.example.com/oauth/token"));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"CF_API_URL", "CF_CLIENT_ID", "CF_CLIENT_SECRET"})
        @DisplayName("each of CF_API_URL, CF_CLIENT_ID and CF_CLIENT_SECRET is required")
        void required(String name) {
            assertThat(error(cfEnv(name, null))).startsWith(name + " is required");
        }

        @Test
        @DisplayName("a bad CF_API_URL is refused, naming the value")
        void badApiUrl() {
            assertThat(error(cfEnv("CF_API_URL", "api.sys.example.com"))).isEqualTo("CF_API_URL must be an http or "
                    + "https URL with a host and without query or fragment, was 'api.sys.example.com'");
        }

        @Test
        @DisplayName("a bad CF_TOKEN_URL is refused, naming the value")
        void badTokenUrl() {
            assertThat(error(cfEnv("CF_TOKEN_URL", "uaa:8443"))).startsWith("CF_TOKEN_URL must be an http or https URL")
                    .endsWith("was 'uaa:8443'");
        }

        @Test
        @DisplayName("the CF client secret never appears in an error")
        void secretNeverShown() {
            assertThat(error(cfEnv("CF_CLIENT_SECRET", ""))).isEqualTo("CF_CLIENT_SECRET is required");
            assertThat(error(cfEnv("CF_API_URL", "https://id:" + SECRET + "@api.example.com"))).doesNotContain(SECRET);
        }

        @Test
        @DisplayName("in memory mode the CF variables are ignored, even bad ones")
        void ignoredInMemoryMode() {
            ProxyConfig config = ProxyConfig.fromEnvironment(env("CF_API_URL", "not a url", "CF_TOKEN_URL", "x"));

            assertThat(config.platform()).isEqualTo(PlatformKind.MEMORY);
            assertThat(config.cf()).isNull();
        }
    }
}
