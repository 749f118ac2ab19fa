package org.servicemanager.core.internal.http;

import java.util.regex.Pattern;
import org.servicemanager.core.SmRequest;
import org.servicemanager.core.internal.security.Authenticator;
import org.servicemanager.core.internal.security.Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One INFO line on the logger {@value #LOGGER} for every mutating call (POST, PUT, PATCH, DELETE,
 * on the REST API and the OSB face alike), every failed authentication (401, and 429 from the
 * failed-login limit) and every refused call (403, event {@code forbidden}, with the authenticated
 * caller), whatever the method. The line is {@code key=value} pairs separated by single spaces,
 * always in this order:
 *
 * <pre>
 * audit event=call|auth_failure|forbidden principal=operator:NAME|platform:ID|anonymous|-
 *   [role=admin|read-only|none via=basic|bearer|none [sub=SUBJECT] [tenant=TENANT]] [claimed_user=NAME]
 *   method=M path=P resource_type=T resource_id=ID|- status=S correlation_id=C source=ADDR|-
 * </pre>
 *
 * {@code role} and {@code via} follow an operator only: its role ({@code none} for a token that
 * grants none) and how it authenticated ({@code none} when authentication is disabled);
 * {@code sub} follows a bearer operator whose token subject differs from its name, so that a
 * name the token's holder may have chosen never stands alone; {@code tenant} follows an operator
 * acting for one tenant (multitenancy), so a tenant's calls can be told from a global admin's.
 * {@code principal=-} means the call ended before its caller was established (404, 405, 413, 401);
 * {@code claimed_user} appears on authentication failures with Basic credentials only. The path is
 * the one requested, without the query string; resource type and id come from the matched route
 * (the last fixed segment and the parameter after it, {@code -} when there is none). Values are
 * the client's text made safe: printable ASCII without spaces, quotes or {@code =}, other
 * characters replaced by {@code ?}, at most {@value #MAX_VALUE} characters. Bodies, headers,
 * passwords, tokens and credentials are never part of it. Thread-safe.
 */
public final class AuditLog {
    public static final String LOGGER = "org.servicemanager.audit";
    static final int MAX_VALUE = 256;
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
    private static final Pattern VERSION = Pattern.compile("v\\d+");

    private AuditLog() {
    }

    static boolean mutating(String method) {
        return switch (method) {
            case "POST", "PUT", "PATCH", "DELETE" -> true;
            default -> false;
        };
    }

    /**
     * Logs {@code request} if it is audited.
     *
     * @param principal who made it, {@code null} when that was not established
     * @param call      the routed call, {@code null} when routing or authentication failed
     */
    public static void record(SmRequest request, Principal principal, Call call, int status, String correlationId) {
        boolean authFailure = status == 401 || status == 429;
        boolean forbidden = status == 403;
        if (!authFailure && !forbidden && !mutating(request.method()) || !LOG.isInfoEnabled()) {
            return;
        }
        StringBuilder line = new StringBuilder(256).append("audit event=")
                .append(authFailure ? "auth_failure" : forbidden ? "forbidden" : "call")
                .append(" principal=").append(who(principal));
        if (authFailure) {
            String claimed = Authenticator.claimedUsername(request);
            if (claimed != null) {
                line.append(" claimed_user=").append(safe(claimed));
            }
        }
        String[] resource = call == null ? new String[] {"-", "-"} : resource(call);
        line.append(" method=").append(safe(request.method()))
                .append(" path=").append(safe(request.path()))
                .append(" resource_type=").append(resource[0])
                .append(" resource_id=").append(resource[1])
                .append(" status=").append(status)
                .append(" correlation_id=").append(safe(correlationId))
                .append(" source=").append(request.remoteAddress().map(AuditLog::safe).orElse("-"));
        LOG.info(line.toString());
    }

    /**
     * A token issuer's line about a token request, besides the call's own line:
     * {@code audit event=token action=A subject=NAME|- outcome=O correlation_id=C|- source=ADDR|-}.
     * {@code subject} is the user or client the request named; never a secret.
     */
    public static void token(SmRequest request, String subject, String action, String outcome) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        LOG.info("audit event=token action=" + safeOrDash(action) + " subject=" + safeOrDash(subject)
                + " outcome=" + safeOrDash(outcome) + " path=" + safe(request.path())
                + " correlation_id=" + request.header("X-Correlation-ID").map(AuditLog::safe).orElse("-")
                + " source=" + request.remoteAddress().map(AuditLog::safe).orElse("-"));
    }

    private static String safeOrDash(String value) {
        return value == null ? "-" : safe(value);
    }

    private static String who(Principal principal) {
        if (principal instanceof Principal.Operator operator) {
            String who = "operator:" + safe(operator.name()) + " role="
                    + (operator.role() == null ? "none" : operator.role().wireName()) + " via="
                    + operator.via().wireName();
            // A token's display name may be the holder's choice; its subject is the issuer's.
            if (operator.subject() != null && !operator.subject().equals(operator.name())) {
                who += " sub=" + safe(operator.subject());
            }
            return operator.tenant() == null ? who : who + " tenant=" + safe(operator.tenant());
        } else if (principal instanceof Principal.PlatformCaller platform) {
            return "platform:" + safe(platform.platformId());
        } else if (principal instanceof Principal.Anonymous) {
            return "anonymous";
        }
        return "-";
    }

    /** The last fixed segment of the route (not a version) and the parameter right after it. */
    private static String[] resource(Call call) {
        String[] segments = call.pattern().split("/");
        String type = "-";
        String id = "-";
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            if (segment.isEmpty() || segment.startsWith("{") || VERSION.matcher(segment).matches()) {
                continue;
            }
            type = safe(segment);
            id = "-";
            if (i + 1 < segments.length && segments[i + 1].startsWith("{")) {
                String name = segments[i + 1].substring(1, segments[i + 1].length() - 1);
                id = call.optionalPathParam(name).map(AuditLog::safe).orElse("-");
            }
        }
        return new String[] {type, id};
    }

    /** The client's text as one log token that cannot forge a field or a line. */
    static String safe(String value) {
        if (value.isEmpty()) {
            return "-";
        }
        StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_VALUE + 3));
        for (int i = 0; i < value.length() && out.length() < MAX_VALUE; i++) {
            char c = value.charAt(i);
            out.append(c > 0x20 && c < 0x7F && c != '"' && c != '\'' && c != '=' && c != '\\' ? c : '?');
        }
        if (value.length() > MAX_VALUE) {
            out.append("...");
        }
        return out.toString();
    }
}
