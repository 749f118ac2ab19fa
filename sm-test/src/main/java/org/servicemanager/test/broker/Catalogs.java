package org.servicemanager.test.broker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;

/**
 * Builds OSB catalogs as JSON text for tests. Offerings and plans start valid (id, name,
 * description and, for offerings, {@code bindable}); {@code set} and {@code without} bend them into
 * whatever shape a test needs, including invalid ones.
 *
 * <pre>{@code
 * String catalog = Catalogs.of(
 *         Catalogs.offering("postgres").plan(Catalogs.plan("small")).plan(Catalogs.plan("large")));
 * }</pre>
 *
 * Builders are mutable and not thread-safe; {@link #of} copies them.
 */
public final class Catalogs {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Catalogs() {
    }

    /** A catalog of these offerings: {@code {"services": [...]}}. */
    public static String of(Offering... offerings) {
        return of(List.of(offerings));
    }

    public static String of(List<Offering> offerings) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode services = root.putArray("services");
        offerings.forEach(o -> services.add(o.toJson()));
        return write(root);
    }

    /** An empty catalog, which is valid: {@code {"services": []}}. */
    public static String empty() {
        return "{\"services\":[]}";
    }

    /** A valid offering with id {@code <name>-id}, no plans yet, {@code bindable: true}. */
    public static Offering offering(String name) {
        return new Offering(name);
    }

    /** A valid plan with id {@code <name>-id}. */
    public static Plan plan(String name) {
        return new Plan(name);
    }

    /** A JSON string literal. */
    public static String quote(String text) {
        return write(MAPPER.getNodeFactory().textNode(text));
    }

    private static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A service offering under construction. */
    public static final class Offering {
        private final ObjectNode node = MAPPER.createObjectNode();
        private final ArrayNode plans;

        private Offering(String name) {
            Objects.requireNonNull(name, "name");
            node.put("id", name + "-id").put("name", name).put("description", "the " + name + " service")
                    .put("bindable", true);
            plans = node.putArray("plans");
        }

        /** Sets the catalog id (default {@code <name>-id}). */
        public Offering id(String id) {
            return set("id", id);
        }

        public Offering name(String name) {
            return set("name", name);
        }

        public Offering description(String description) {
            return set("description", description);
        }

        public Offering bindable(boolean bindable) {
            return set("bindable", bindable);
        }

        public Offering plan(Plan plan) {
            plans.add(plan.toJson());
            return this;
        }

        /** Sets any field to any value ({@code null} gives JSON null; maps and lists become objects and arrays). */
        public Offering set(String field, Object value) {
            node.set(field, MAPPER.valueToTree(value));
            return this;
        }

        /** Sets a field to a raw JSON value, e.g. {@code "[1, 2]"}. */
        public Offering setJson(String field, String json) {
            node.set(field, parse(json));
            return this;
        }

        /** Removes a field (also {@code plans}). */
        public Offering without(String field) {
            node.remove(field);
            return this;
        }

        public ObjectNode toJson() {
            return node.deepCopy();
        }

        @Override
        public String toString() {
            return write(node);
        }
    }

    /** A service plan under construction. */
    public static final class Plan {
        private final ObjectNode node = MAPPER.createObjectNode();

        private Plan(String name) {
            Objects.requireNonNull(name, "name");
            node.put("id", name + "-id").put("name", name).put("description", "the " + name + " plan");
        }

        public Plan id(String id) {
            return set("id", id);
        }

        public Plan name(String name) {
            return set("name", name);
        }

        public Plan description(String description) {
            return set("description", description);
        }

        public Plan free(boolean free) {
            return set("free", free);
        }

        public Plan bindable(boolean bindable) {
            return set("bindable", bindable);
        }

        public Plan set(String field, Object value) {
            node.set(field, MAPPER.valueToTree(value));
            return this;
        }

        public Plan setJson(String field, String json) {
            node.set(field, parse(json));
            return this;
        }

        public Plan without(String field) {
            node.remove(field);
            return this;
        }

        public ObjectNode toJson() {
            return node.deepCopy();
        }

        @Override
        public String toString() {
            return write(node);
        }
    }

    private static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + json, e);
        }
    }
}
