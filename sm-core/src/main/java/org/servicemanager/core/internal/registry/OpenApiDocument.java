package org.servicemanager.core.internal.registry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.servicemanager.core.SmResponse;
import org.servicemanager.core.internal.http.Call;
import org.servicemanager.core.internal.http.Responses;
import org.servicemanager.core.internal.json.Json;

/**
 * {@code GET /v1/openapi.json}: the OpenAPI 3.1 document of the whole API, kept by hand in
 * {@value #RESOURCE} (a test checks it against the router), with {@code info.version} set to the
 * running version and {@code servers} to where the host mounted the Service Manager. It is read
 * once at start; each answer carries a strong {@code ETag}, and a matching {@code If-None-Match}
 * gets 304, so that tools polling it cost a few bytes. Immutable apart from a one-entry cache of the
 * last mount point other than the root; thread-safe.
 */
public final class OpenApiDocument {
    /** Where the document lives on the class path. */
    public static final String RESOURCE = "/org/servicemanager/core/openapi.json";

    private final ObjectNode document;
    private final Variant atRoot;
    /** The document for the last base path other than the root (a host mounts at one place). */
    private volatile Variant mounted;

    /** One serialized document and its entity tag. */
    private record Variant(String basePath, byte[] body, String etag) {
    }

    /** @throws IllegalStateException if the resource is missing or not a JSON object (a broken build) */
    public OpenApiDocument(String version) {
        this.document = load();
        ((ObjectNode) document.path("info")).put("version", version);
        this.atRoot = variant("");
    }

    private static ObjectNode load() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the OpenAPI document " + RESOURCE + " is missing from the class path");
            }
            if (!(Json.mapper().readTree(in) instanceof ObjectNode node) || !node.path("info").isObject()) {
                throw new IllegalStateException("the OpenAPI document " + RESOURCE + " is not an OpenAPI object");
            }
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException("the OpenAPI document " + RESOURCE + " cannot be read", e);
        }
    }

    /** The document as served at the root, for tests and hosts that want it without HTTP. */
    public byte[] json() {
        return atRoot.body().clone();
    }

    SmResponse serve(Call call) {
        Variant variant = variantFor(call.request().basePath());
        if (matches(call.request().header("If-None-Match").orElse(null), variant.etag())) {
            return SmResponse.builder(304).header("ETag", variant.etag()).header("Cache-Control", "no-cache").build();
        }
        return SmResponse.builder(200).header("Content-Type", Responses.JSON).header("ETag", variant.etag())
                .header("Cache-Control", "no-cache").body(variant.body()).build();
    }

    private Variant variantFor(String basePath) {
        if (basePath == null || basePath.isEmpty()) {
            return atRoot;
        }
        Variant last = mounted;
        if (last != null && last.basePath().equals(basePath)) {
            return last;
        }
        Variant made = variant(basePath);
        mounted = made;
        return made;
    }

    /** The paths in the document are relative to the mount point, so {@code servers} names it. */
    private Variant variant(String basePath) {
        ObjectNode copy = document.deepCopy();
        ArrayNode servers = copy.putArray("servers");
        servers.addObject().put("url", basePath.isEmpty() ? "/" : basePath)
                .put("description", "Where the Service Manager is mounted.");
        byte[] body = Json.bytes(copy);
        return new Variant(basePath, body, etag(body));
    }

    private static String etag(byte[] body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** RFC 9110 13.1.2: {@code *} or a list of tags, compared weakly (a {@code W/} prefix is ignored). */
    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.trim();
            if (t.equals("*")) {
                return true;
            }
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.equals(etag)) {
                return true;
            }
        }
        return false;
    }
}
