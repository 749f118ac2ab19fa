package org.servicemanager.core.internal.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import org.servicemanager.api.BadRequestException;

/**
 * The one configured Jackson mapper. Duplicate keys are rejected (a body that says two things
 * about one field is ambiguous), nesting and sizes are bounded so that no body can exhaust
 * the server, and numbers with a fraction or exponent are read as {@link java.math.BigDecimal},
 * so that what is stored and shown again is the number that was sent. Thread-safe.
 */
public final class Json {
    private static final ObjectMapper MAPPER = createMapper();

    private Json() {
    }

    private static ObjectMapper createMapper() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(64)
                        .maxStringLength(1 << 24)
                        .maxNumberLength(100)
                        .build())
                .build();
        ObjectMapper mapper = new ObjectMapper(factory);
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        // JSON numbers are kept as written, not as doubles: a catalog's 1e999999 came back as
        // "Infinity" and 0.1000000000000000000000001 as 0.1. A number beyond BigDecimal (an exponent
        // past 2^31) is refused as invalid instead.
        mapper.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        mapper.configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
        return mapper;
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /**
     * Parses a request body that must be a JSON object.
     *
     * @throws BadRequestException naming the problem and, where Jackson knows it, the position
     */
    public static ObjectNode parseObject(byte[] body, String what) {
        if (body.length == 0) {
            throw new BadRequestException(what + " is empty; a JSON object is required");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BadRequestException(what + " is not valid JSON: " + describe(e));
        } catch (IOException e) {
            throw new BadRequestException(what + " could not be read: " + e.getMessage());
        } catch (NumberFormatException e) {
            // Jackson throws this one unwrapped, for a number no BigDecimal can hold.
            throw new BadRequestException(what + " holds a number out of range: " + e.getMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw new BadRequestException(what + " is empty; a JSON object is required");
        }
        if (!node.isObject()) {
            throw new BadRequestException(what + " must be a JSON object, was " + JsonInput.kind(node));
        }
        return (ObjectNode) node;
    }

    /** Parses JSON that must be valid but may be any value; {@code null} on failure. */
    public static JsonNode tryParse(byte[] body) {
        try {
            JsonNode node = MAPPER.readTree(body);
            return node == null || node.isMissingNode() ? null : node;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** Jackson's message without its source dump, with line and column. */
    static String describe(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        if (message != null) {
            int cut = message.indexOf("\n at [Source");
            if (cut >= 0) {
                message = message.substring(0, cut);
            }
        }
        if (e.getLocation() != null) {
            message += " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        }
        return message;
    }

    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads JSON text that this process wrote itself (stored catalog fragments). */
    public static JsonNode readTrusted(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON is corrupt", e);
        }
    }

    /** Like {@link #readTrusted}, {@code null} for {@code null}. */
    public static JsonNode readTrustedOrNull(String text) {
        return text == null ? null : readTrusted(text);
    }

    public static String timestamp(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant);
    }
}
