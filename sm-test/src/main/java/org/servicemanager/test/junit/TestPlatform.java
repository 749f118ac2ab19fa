package org.servicemanager.test.junit;

import java.util.Objects;
import org.servicemanager.test.http.ApiClient;

/**
 * A platform registered through {@link ServiceManagerRuntimeInfo#registerPlatform}, with the
 * credentials the Service Manager showed once. Immutable and thread-safe.
 *
 * @param id       the Service Manager's platform id
 * @param name     the platform's name
 * @param username the platform's Basic user name
 * @param password the platform's Basic password
 * @param baseUrl  the Service Manager's base URL, or {@code null} when it is not served over HTTP
 */
public record TestPlatform(String id, String name, String username, String password, String baseUrl) {
    public TestPlatform {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    /** A client of the Service Manager that authenticates as this platform (for {@code /v1/osb/...}). */
    public ApiClient client() {
        if (baseUrl == null) {
            throw new IllegalStateException("this Service Manager is not served over HTTP");
        }
        return new ApiClient(baseUrl).withCredentials(username, password)
                .withHeader("X-Broker-API-Version", "2.17");
    }

    /** {@code /v1/osb/<brokerId>}: the prefix of the OSB face for one broker, e.g. {@code + "/v2/catalog"}. */
    public static String osbPath(String brokerId) {
        return "/v1/osb/" + Objects.requireNonNull(brokerId, "brokerId");
    }

    /** The {@code Authorization} header value of this platform, for {@code SmRequest}s sent directly. */
    public String authorization() {
        return ApiClient.basicAuthorization(username, password);
    }

    @Override
    public String toString() {
        // Never the password.
        return "TestPlatform[" + name + ", " + id + "]";
    }
}
