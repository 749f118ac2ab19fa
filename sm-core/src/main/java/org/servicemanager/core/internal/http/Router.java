package org.servicemanager.core.internal.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.servicemanager.api.BadRequestException;

/**
 * Maps (method, path) to a route. Patterns are literal segments and {@code {name}} placeholders
 * that match one non-empty segment (then decoded strictly, see {@link UriCoding}), or a trailing
 * {@code {name...}} that matches the rest of the path. {@code HEAD} finds the {@code GET} route
 * (HTTP requires HEAD wherever GET is served; the {@link Dispatcher} drops the body), so no route is
 * ever added for HEAD. Immutable after construction and thread-safe.
 */
public final class Router {
    private final List<Route> routes = new ArrayList<>();

    /** A route: a pattern, a method, who may call it, and its handler. */
    public record Route(String method, String pattern, Access access, Handler handler, String[] segments) {
    }

    /** The outcome of matching a path. */
    public sealed interface Match permits Found, MethodNotAllowed, NotFound {
    }

    public record Found(Route route, Map<String, String> params) implements Match {
    }

    public record MethodNotAllowed(Set<String> allowed) implements Match {
    }

    public record NotFound() implements Match {
    }

    public Router add(String method, String pattern, Access access, Handler handler) {
        if (method.equals("HEAD")) {
            throw new IllegalArgumentException("HEAD is served by the GET route of " + pattern + "; add that instead");
        }
        routes.add(new Route(method, pattern, access, handler, split(pattern)));
        return this;
    }

    /** Every route, in the order added (for tests that check a rule on each one). */
    public List<Route> routes() {
        return List.copyOf(routes);
    }

    /**
     * Matches a raw (percent-encoded) path. Placeholders match on the raw segment and are decoded
     * only for the route that is found.
     *
     * @throws BadRequestException if a placeholder's segment is not valid percent-encoded UTF-8:
     *     such a segment has no meaning the Service Manager could check, so it is refused rather
     *     than guessed at or passed on; or if it holds a control character
     */
    public Match match(String method, String rawPath) {
        String wanted = method.equals("HEAD") ? "GET" : method;
        String[] segments = split(rawPath);
        Set<String> allowed = new LinkedHashSet<>();
        for (Route route : routes) {
            Map<String, String> params = matchSegments(route.segments(), segments);
            if (params == null) {
                continue;
            }
            if (route.method().equals(wanted)) {
                return new Found(route, decoded(params));
            }
            allowed.add(route.method());
            if (route.method().equals("GET")) {
                allowed.add("HEAD");
            }
        }
        return allowed.isEmpty() ? new NotFound() : new MethodNotAllowed(allowed);
    }

    /** Decodes the placeholders in place ({@link #matchSegments} made the map for this request). */
    private static Map<String, String> decoded(Map<String, String> params) {
        params.replaceAll((name, raw) -> {
            String value;
            try {
                value = UriCoding.decodeSegment(raw); // the raw string itself when there is no escape
            } catch (IllegalArgumentException e) {
                throw new BadRequestException("the path segment for " + name + " is not valid percent-encoded "
                        + "UTF-8 (" + e.getMessage() + ")");
            }
            checkNoControl(name, value);
            return value;
        });
        return params;
    }

    /**
     * No id or name the Service Manager keeps holds a control character, and a NUL in a look-up
     * makes PostgreSQL fail the statement (a 500): such a segment is refused before any look-up.
     */
    private static void checkNoControl(String name, String value) {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw new BadRequestException("the path segment for " + name + " holds a control character");
            }
        }
    }

    private static Map<String, String> matchSegments(String[] pattern, String[] path) {
        Map<String, String> params = null;
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.startsWith("{") && p.endsWith("...}")) {
                if (i >= path.length) {
                    return null;
                }
                params = params == null ? new HashMap<>() : params;
                params.put(p.substring(1, p.length() - 4), String.join("/", java.util.Arrays.copyOfRange(path, i,
                        path.length)));
                return params;
            }
            if (i >= path.length) {
                return null;
            }
            if (p.startsWith("{")) {
                if (path[i].isEmpty()) {
                    return null;
                }
                params = params == null ? new HashMap<>() : params;
                params.put(p.substring(1, p.length() - 1), path[i]);
            } else if (!p.equals(path[i])) {
                return null;
            }
        }
        if (pattern.length != path.length) {
            return null;
        }
        return params == null ? Collections.emptyMap() : params;
    }

    private static String[] split(String path) {
        String trimmed = path;
        while (trimmed.startsWith("/")) {
            trimmed = trimmed.substring(1);
        }
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed.isEmpty() ? new String[0] : trimmed.split("/", -1);
    }
}
