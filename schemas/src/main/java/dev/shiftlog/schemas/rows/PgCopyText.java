package dev.shiftlog.schemas.rows;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Writes Avro values as fields of PostgreSQL's COPY text format, so the sink can stream rows into any column type
 * (uuid, jsonb, enums, arrays) and let PostgreSQL do the casting.
 */
public final class PgCopyText {
    private PgCopyText() {}

    /** Appends one field (already escaped for COPY) for the value, {@code \N} for null. */
    public static void append(StringBuilder out, Schema schema, Object value) {
        if (value == null) {
            out.append("\\N");
            return;
        }
        escape(out, literal(schema, value));
    }

    /** The value's PostgreSQL input literal, before COPY escaping. */
    static String literal(Schema schema, Object value) {
        Schema s = AvroValues.nonNull(schema);
        if (s.getType() == Schema.Type.BOOLEAN) {
            return ((Boolean) value) ? "t" : "f";
        }
        if (s.getType() == Schema.Type.BYTES && !(s.getLogicalType() instanceof LogicalTypes.Decimal)) {
            return "\\x" + AvroValues.hex((ByteBuffer) value);
        }
        if (s.getType() == Schema.Type.ARRAY) {
            StringBuilder array = new StringBuilder("{");
            List<?> items = (List<?>) value;
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    array.append(',');
                }
                Object item = items.get(i);
                if (item == null) {
                    array.append("NULL");
                } else {
                    array.append('"').append(literal(s.getElementType(), item).replace("\\", "\\\\").replace("\"", "\\\""))
                            .append('"');
                }
            }
            return array.append('}').toString();
        }
        return AvroValues.text(s, value);
    }

    /**
     * The PostgreSQL array literal of a list an expression produced (CEL values: strings, numbers, booleans, bytes,
     * nested lists, null), before COPY escaping; every element quoted, so commas, quotes and the text NULL survive.
     */
    static String arrayLiteral(List<?> items) {
        StringBuilder array = new StringBuilder("{");
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                array.append(',');
            }
            Object item = items.get(i);
            if (item == null || item instanceof dev.cel.common.values.NullValue || item instanceof com.google.protobuf.NullValue) {
                array.append("NULL");
            } else if (item instanceof List<?> nested) {
                array.append(arrayLiteral(nested));
            } else {
                String text = item instanceof Boolean b ? (b ? "t" : "f")
                        : item instanceof com.google.protobuf.ByteString bytes ? "\\x" + AvroValues.hex(bytes.asReadOnlyByteBuffer())
                        : item instanceof java.util.Map<?, ?> map ? MigrationFunctions.json(map) : item.toString();
                array.append('"').append(text.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
        }
        return array.append('}').toString();
    }

    private static void escape(StringBuilder out, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
    }
}
