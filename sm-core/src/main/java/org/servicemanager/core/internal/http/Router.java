package org.servicemanager.core.internal.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps (method, path) to a route. Patterns are literal segments and {@code {name}} placeholders
 * that match one non-empty segment, or a trailing {@code {name...}} that matches the rest of the
 * path. Immutable after construction and thread-safe.
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
        routes.add(new Route(method, pattern, access, handler, split(pattern)));
        return this;
    }

    public Match match(String method, String rawPath) {
        String[] segments = split(rawPath);
        Set<String> allowed = new LinkedHashSet<>();
        for (Route route : routes) {
            Map<String, String> params = matchSegments(route.segments(), segments);
            if (params == null) {
                continue;
            }
            if (route.method().equals(method)) {
                return new Found(route, params);
            }
            allowed.add(route.method());
        }
        return allowed.isEmpty() ? new NotFound() : new MethodNotAllowed(allowed);
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
                String value = decode(path[i]);
                if (value == null || value.isEmpty()) {
                    return null;
                }
                params = params == null ? new HashMap<>() : params;
                params.put(p.substring(1, p.length() - 1), value);
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

    private static String decode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
