package org.servicemanager.core.internal.http;

import java.util.UUID;
import org.servicemanager.api.BadRequestException;
import org.servicemanager.api.BrokerException;
import org.servicemanager.api.BrokerRejectedException;
import org.servicemanager.api.BrokerTimeoutException;
import org.servicemanager.api.BrokerUnreachableException;
import org.servicemanager.api.ConcurrentModificationException;
import org.servicemanager.api.ConflictException;
import org.servicemanager.api.ExistingReferenceException;
import org.servicemanager.api.ForbiddenException;
import org.servicemanager.api.InvalidBearerTokenException;
import org.servicemanager.api.InvalidFieldQueryException;
import org.servicemanager.api.InvalidLabelQueryException;
import org.servicemanager.api.InvalidTokenException;
import org.servicemanager.api.NotFoundException;
import org.servicemanager.api.PayloadTooLargeException;
import org.servicemanager.api.PreconditionFailedException;
import org.servicemanager.api.RetryLaterException;
import org.servicemanager.api.ServiceManagerException;
import org.servicemanager.api.ServiceUnavailableException;
import org.servicemanager.api.TooManyRequestsException;
import org.servicemanager.api.UnauthorizedException;
import org.servicemanager.api.UnsupportedMediaTypeException;
import org.servicemanager.api.VisibilityAlreadyExistsException;
import org.servicemanager.core.SmResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where exceptions become HTTP answers. Most specific types are matched first. No
 * stack trace and no internal message ever reaches a client: unexpected exceptions are logged with
 * a reference id, and only that id is returned.
 */
public final class ErrorMapper {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

    private ErrorMapper() {
    }

    /** Status and error code of a known exception type. */
    record Mapping(int status, String code) {
    }

    static Mapping mappingOf(ServiceManagerException e) {
        if (e instanceof InvalidFieldQueryException) {
            return new Mapping(400, "InvalidFieldQuery");
        } else if (e instanceof InvalidLabelQueryException) {
            return new Mapping(400, "InvalidLabelQuery");
        } else if (e instanceof InvalidTokenException) {
            return new Mapping(400, "InvalidToken");
        } else if (e instanceof BadRequestException) {
            return new Mapping(400, "BadRequest");
        } else if (e instanceof UnauthorizedException) {
            return new Mapping(401, "Unauthorized");
        } else if (e instanceof ForbiddenException) {
            return new Mapping(403, "Forbidden");
        } else if (e instanceof NotFoundException) {
            return new Mapping(404, "NotFound");
        } else if (e instanceof VisibilityAlreadyExistsException) {
            return new Mapping(409, "VisibilityAlreadyExists");
        } else if (e instanceof ExistingReferenceException) {
            return new Mapping(409, "ExistingReferenceEntity");
        } else if (e instanceof ConflictException) {
            return new Mapping(409, "Conflict");
        } else if (e instanceof PreconditionFailedException) {
            return new Mapping(412, "PreconditionFailed");
        } else if (e instanceof PayloadTooLargeException) {
            return new Mapping(413, "PayloadTooLarge");
        } else if (e instanceof UnsupportedMediaTypeException) {
            return new Mapping(415, "UnsupportedMediaType");
        } else if (e instanceof TooManyRequestsException) {
            return new Mapping(429, "TooManyRequests");
        } else if (e instanceof ConcurrentModificationException) {
            return new Mapping(422, "ConcurrentOperation");
        } else if (e instanceof ServiceUnavailableException) {
            return new Mapping(503, "ServiceUnavailable");
        } else if (e instanceof BrokerRejectedException) {
            return new Mapping(400, "BrokerError");
        } else if (e instanceof BrokerTimeoutException) {
            return new Mapping(504, "BrokerTimeout");
        } else if (e instanceof BrokerUnreachableException) {
            return new Mapping(502, "BrokerUnreachable");
        } else if (e instanceof BrokerException) {
            return new Mapping(502, "BrokerError");
        }
        return null;
    }

    /** The answer for any throwable; never throws. */
    public static SmResponse toResponse(Throwable failure, String requestLine) {
        Throwable t = unwrap(failure);
        if (t instanceof ServiceManagerException e) {
            Mapping mapping = mappingOf(e);
            if (mapping != null) {
                if (mapping.status() >= 500 && !(e instanceof ServiceUnavailableException)) {
                    // Overload is not logged per request: a flood would flood the log too.
                    LOG.warn("{} failed: {}", requestLine, e.getMessage());
                } else {
                    LOG.debug("{} rejected: {}", requestLine, e.getMessage());
                }
                SmResponse response = Responses.error(mapping.status(), mapping.code(), e.getMessage());
                if (e instanceof RetryLaterException retryLater) {
                    return response.withHeader("Retry-After", Integer.toString(retryLater.retryAfterSeconds()));
                }
                if (e instanceof MissingRoleException missing && missing.bearerScope() != null) {
                    return response.withHeader("WWW-Authenticate", BEARER_CHALLENGE
                            + ", error=\"insufficient_scope\", scope=\"" + missing.bearerScope() + "\"");
                }
                return mapping.status() == 401 ? challenge(response, e) : response;
            }
        }
        String reference = UUID.randomUUID().toString();
        LOG.error("{} failed with an internal error, reference_id {}", requestLine, reference, t);
        return Responses.json(500, org.servicemanager.core.internal.json.Json.object()
                .put("error", "InternalError")
                .put("description", "an internal error occurred; the server log has details under reference_id "
                        + reference)
                .put("reference_id", reference));
    }

    private static final String BASIC_CHALLENGE = "Basic realm=\"service-manager\"";
    private static final String BEARER_CHALLENGE = "Bearer realm=\"service-manager\"";

    /**
     * The {@code WWW-Authenticate} of a 401 (RFC 9110 11.6.1, RFC 6750 3): a rejected token gets the
     * Bearer {@code invalid_token} error with our reason; missing credentials get a challenge per
     * accepted scheme (two header lines when tokens are accepted); anything else stays Basic.
     */
    private static SmResponse challenge(SmResponse response, ServiceManagerException e) {
        if (e instanceof InvalidBearerTokenException) {
            return response.withHeader("WWW-Authenticate", BEARER_CHALLENGE + ", error=\"invalid_token\", "
                    + "error_description=\"" + quotable(e.getMessage()) + "\"");
        }
        if (e instanceof MissingCredentialsException missing && missing.bearerAccepted()) {
            return response.withHeader("WWW-Authenticate", BASIC_CHALLENGE)
                    .withHeader("WWW-Authenticate", BEARER_CHALLENGE);
        }
        return response.withHeader("WWW-Authenticate", BASIC_CHALLENGE);
    }

    /**
     * Text that may stand inside a quoted header parameter: RFC 6750 allows %x20-21 / %x23-5B /
     * %x5D-7E in error_description, so quotes, backslashes, controls (CR, LF) and non-ASCII become
     * {@code ?}. The message is ours, but a verifier might quote something a client chose.
     */
    static String quotable(String text) {
        if (text == null || text.isEmpty()) {
            return "the token is not valid";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), 200));
        for (int i = 0; i < text.length() && out.length() < 200; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? c : '?');
        }
        return out.toString();
    }

    static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while ((current instanceof java.util.concurrent.CompletionException
                || current instanceof java.util.concurrent.ExecutionException) && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}
