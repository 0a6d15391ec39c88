package dev.shiftlog.schemas.rows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CEL values as JSON text and back, for values that travel between tasks (the items of an aggregate): lists, maps,
 * strings, integers (as CEL's int64), doubles, booleans and null.
 */
public final class CelJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CelJson() {
    }

    public static String write(Object celValue) {
        return MigrationFunctions.json(celValue);
    }

    public static Object read(String json) {
        try {
            return cel(JSON.readTree(json));
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }

    private static Object cel(JsonNode node) {
        if (node == null || node.isNull()) {
            return dev.cel.common.values.NullValue.NULL_VALUE;
        }
        if (node.isArray()) {
            List<Object> out = new ArrayList<>();
            node.forEach(item -> out.add(cel(item)));
            return out;
        }
        if (node.isObject()) {
            Map<String, Object> out = new LinkedHashMap<>();
            node.fields().forEachRemaining(e -> out.put(e.getKey(), cel(e.getValue())));
            return out;
        }
        if (node.isIntegralNumber()) {
            return node.longValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        return node.asText();
    }
}
