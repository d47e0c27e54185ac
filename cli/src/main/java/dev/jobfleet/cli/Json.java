package dev.jobfleet.cli;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The one JSON mapper of the CLI and the few things the commands need from JSON trees. */
final class Json {
    static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {}

    /** A member as text: strings as they are, numbers and booleans as written, "" for absent or null. */
    static String text(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return "";
        }
        return node.isString() ? node.stringValue() : node.toString();
    }

    static JsonNode parse(String text) {
        return MAPPER.readTree(text);
    }

    /** Parses {@code text}, or null when it is not JSON. */
    static JsonNode tryParse(String text) {
        try {
            return text == null || text.isBlank() ? null : MAPPER.readTree(text);
        } catch (JacksonException e) {
            return null;
        }
    }

    static String pretty(JsonNode node) {
        return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }
}
