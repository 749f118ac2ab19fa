package org.servicemanager.standalone;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Answers the errors Jetty produces itself (a malformed request, a URI or headers too large, an
 * ambiguous path, a body that arrives too slowly) the way the Service Manager answers its own:
 * a JSON {@code {"error", "description"}} body and an {@code X-Correlation-ID}, instead of Jetty's
 * HTML page. A client's reason text is never echoed beyond Jetty's short fixed reasons.
 * Thread-safe.
 */
final class JsonErrorHandler extends ErrorHandler {
    private static final Pattern CORRELATION_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");
    /** Jetty's reasons are fixed phrases; anything else (say, a quoted header value) is dropped. */
    private static final Pattern SAFE_REASON = Pattern.compile("[A-Za-z0-9 ,.:;()/_-]{1,100}");

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) {
        String correlationId = request.getHeaders().get("X-Correlation-ID");
        if (correlationId == null || !CORRELATION_ID.matcher(correlationId).matches()) {
            correlationId = UUID.randomUUID().toString();
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put("X-Correlation-ID", correlationId);
        byte[] body = body(code, message);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** The error body for {@code code}; the description says what was wrong, in our words. */
    static byte[] body(int code, String reason) {
        String description = switch (code) {
            case 400 -> "the request is malformed";
            case 408 -> "the request did not arrive in time";
            case 413 -> "the request body is too large";
            case 414 -> "the request URI is too long";
            case 431 -> "the request headers are too large";
            case 505 -> "the HTTP version is not supported";
            default -> code >= 500 ? "the HTTP server failed to handle the request" : "the request was refused";
        };
        if (reason != null && SAFE_REASON.matcher(reason).matches() && !reason.equals(HttpStatus.getMessage(code))) {
            description += " (" + reason + ")";
        }
        return ("{\"error\":\"" + error(code) + "\",\"description\":\"" + description + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String error(int code) {
        return switch (code) {
            case 400 -> "BadRequest";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            case 408 -> "RequestTimeout";
            case 413 -> "PayloadTooLarge";
            case 414 -> "URITooLong";
            case 431 -> "RequestHeaderFieldsTooLarge";
            case 503 -> "ServiceUnavailable";
            default -> code >= 500 ? "InternalError" : "HTTP" + code;
        };
    }
}
