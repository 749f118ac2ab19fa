package org.servicemanager.core.security;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * The user name and password of an HTTP Basic {@code Authorization} header (RFC 7617): the one
 * parser of the Service Manager and its token issuer. Immutable and thread-safe; its
 * {@link #toString()} never shows the password.
 *
 * @param user     the text before the first colon
 * @param password the text after it
 */
public record BasicCredentials(String user, String password) {

    public BasicCredentials {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
    }

    /**
     * The credentials of an {@code Authorization} header value such as {@code Basic dXNlcjpwdw==}
     * (scheme case-insensitive, surrounding blanks ignored); empty for another scheme, text that is
     * not base64, or decoded text without a colon. The bytes are read as UTF-8.
     */
    public static Optional<BasicCredentials> parse(String headerValue) {
        if (headerValue == null) {
            return Optional.empty();
        }
        String value = headerValue.trim();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Basic")) {
            return Optional.empty();
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(value.substring(space + 1).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        return colon < 0 ? Optional.empty()
                : Optional.of(new BasicCredentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
    }

    /**
     * These credentials with user and password form-URL-decoded, as RFC 6749 2.3.1 wants for an
     * OAuth client's id and secret; empty when either is not well encoded (a stray {@code %}).
     */
    public Optional<BasicCredentials> formDecoded() {
        try {
            return Optional.of(new BasicCredentials(URLDecoder.decode(user, StandardCharsets.UTF_8),
                    URLDecoder.decode(password, StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The user name only: a password must never reach a log through this. */
    @Override
    public String toString() {
        return "BasicCredentials[user=" + user + "]";
    }
}
