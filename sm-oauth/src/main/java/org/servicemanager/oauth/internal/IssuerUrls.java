package org.servicemanager.oauth.internal;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Checks an issuer URL the same way for the built-in issuer and the external-issuer verifier: an
 * absolute http or https URL with a host and no user, query or fragment (issuer identifiers of
 * RFC 8414 2 and OpenID Connect Discovery). Stateless.
 */
public final class IssuerUrls {
    private IssuerUrls() {
    }

    /**
     * The URL parsed.
     *
     * @param name the setting's name for the message, e.g. {@code issuerUrl}
     * @throws IllegalArgumentException naming the setting and the value
     */
    public static URI check(String url, String name) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(name + " must be an http(s) URL, was " + url);
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(name + " must be an http(s) URL, was " + url, e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException(name + " must be an http(s) URL, was " + url);
        }
        if (uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null
                || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(name + " must be an http(s) URL with a host and no user, query or "
                    + "fragment, was " + url);
        }
        return uri;
    }

    /** Whether the URL is plain http. */
    public static boolean isHttp(URI uri) {
        return "http".equalsIgnoreCase(uri.getScheme());
    }

    /**
     * Whether the URL's host is {@code localhost} or a loopback address literal; names are never
     * resolved, so DNS cannot make a remote host count as loopback.
     */
    public static boolean isLoopback(URI uri) {
        String host = uri.getHost();
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        boolean ipLiteral = literal.contains(":") || literal.matches("[0-9.]+");
        if (!ipLiteral) {
            return false;
        }
        try {
            // an IP literal is parsed, not looked up
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
