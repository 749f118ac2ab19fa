package org.servicemanager.core.internal.osb;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.http.UriCoding;

/**
 * What a platform's OSB call addresses at the broker, rebuilt from what the Service Manager checked
 * instead of cut from the raw request: the path from the matched route's pattern and its decoded
 * ids, the query from the OSB parameters. Cutting the raw path let extra or trailing slashes shift
 * what the broker received, and forwarding the raw query let {@code plan_id=visible&plan_id=hidden}
 * pass the check on one value and reach the broker with both. Immutable and thread-safe.
 *
 * @param path  the path below the broker's URL, percent-encoded, e.g. {@code /v2/service_instances/i1}
 * @param query the query string without {@code ?}, percent-encoded, or {@code null} for none
 */
record OsbTarget(String path, String query) {
    /** The part of every OSB route's pattern that addresses the Service Manager rather than the broker. */
    private static final String PREFIX = "/v1/osb/{broker_id}/";
    /**
     * The query parameters of OSB 2.17. Only these are forwarded: the others have no meaning in OSB
     * and nothing checked them. Each may appear once, so the value checked is the value forwarded.
     */
    private static final Set<String> OSB_PARAMETERS = Set.of("accepts_incomplete", "service_id", "plan_id",
            "operation");
    private static final int MAX_ID_LENGTH = 255;

    /**
     * Checks the call's ids and query and builds what the broker receives.
     *
     * @throws BadRequestException naming the id or query parameter that cannot be forwarded as it was checked
     */
    static OsbTarget of(Call call) {
        return new OsbTarget(path(call), query(call.request().rawQuery()));
    }

    private static String path(Call call) {
        String pattern = call.pattern();
        if (!pattern.startsWith(PREFIX)) {
            throw new IllegalStateException("not an OSB route: " + pattern);
        }
        StringBuilder path = new StringBuilder();
        for (String segment : pattern.substring(PREFIX.length()).split("/")) {
            path.append('/');
            if (segment.startsWith("{")) {
                String name = segment.substring(1, segment.length() - 1);
                String id = call.pathParam(name);
                checkId(name, id);
                path.append(UriCoding.encode(id));
            } else {
                path.append(segment);
            }
        }
        return path.toString();
    }

    /**
     * The one check of the ids in an OSB path (OsbGate runs it before anything else is looked up).
     * Ids become one URL segment at the broker and keys of records and tokens here: an id holding
     * {@code /} would be another path at many brokers (which decode {@code %2F}), a control
     * character (NUL among them, which PostgreSQL cannot store) ends up in logs and headers. Path
     * segments are decoded strictly, so an id never holds an unpaired surrogate.
     */
    private static void checkId(String name, String id) {
        if (id.length() > MAX_ID_LENGTH || id.equals(".") || id.equals("..")
                || id.chars().anyMatch(c -> c == '/' || Character.isISOControl(c))) {
            throw new BadRequestException(name + " must be 1 to " + MAX_ID_LENGTH + " characters without '/' or "
                    + "control characters, and not '.' or '..'");
        }
    }

    /** The OSB parameters of a raw query, each at most once, in the platform's order, canonically encoded. */
    static String query(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        List<String> kept = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq), "a query parameter name");
            if (!OSB_PARAMETERS.contains(name)) {
                continue;
            }
            if (!seen.add(name)) {
                throw new BadRequestException("query parameter '" + name + "' is given more than once; an OSB "
                        + "parameter may be given once");
            }
            if (eq < 0) {
                kept.add(name);
            } else {
                String value = decode(pair.substring(eq + 1), "query parameter '" + name + "'");
                kept.add(name + "=" + UriCoding.encode(value));
            }
        }
        return kept.isEmpty() ? null : String.join("&", kept);
    }

    private static String decode(String raw, String what) {
        try {
            return UriCoding.decodeQueryComponent(raw);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(what + " is not valid percent-encoded UTF-8 (" + e.getMessage() + ")");
        }
    }
}
