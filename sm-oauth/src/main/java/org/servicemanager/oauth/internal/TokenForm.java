package org.servicemanager.oauth.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The parameters of a token request (RFC 6749 3.2): an {@code application/x-www-form-urlencoded}
 * body, each parameter at most once. Immutable.
 */
public final class TokenForm {
    private final Map<String, String> values;

    private TokenForm(Map<String, String> values) {
        this.values = values;
    }

    /**
     * Parses a token request's body.
     *
     * @throws IllegalArgumentException with a message for the client ({@code invalid_request}) when the
     *     content type is not a form, the body is not well-encoded, or a parameter is repeated
     */
    public static TokenForm parse(String contentType, byte[] body) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).trim()
                .startsWith("application/x-www-form-urlencoded")) {
            throw new IllegalArgumentException("the token request must be a form "
                    + "(Content-Type: application/x-www-form-urlencoded), was "
                    + (contentType == null ? "no content type" : contentType));
        }
        Map<String, String> values = new LinkedHashMap<>();
        String text = new String(body, StandardCharsets.UTF_8);
        for (String pair : text.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (values.putIfAbsent(name, value) != null) {
                throw new IllegalArgumentException("the parameter " + name + " appears more than once");
            }
        }
        return new TokenForm(values);
    }

    /** The parameter's value; an empty value counts as absent (RFC 6749 3.1). */
    public Optional<String> get(String name) {
        String value = values.get(name);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    /** Whether the parameter was sent at all, even empty. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the form is not well encoded (a stray '%')");
        }
    }
}
