package dev.shiftlog.schemas.rows;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.util.Base64;
import java.util.List;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * How a column value is written into a JSON Lines file (the form {@code npx convex import} and other stores' import
 * tools read), so the sink and whatever checks its files agree on it. One value becomes one compact JSON text:
 * <ul>
 * <li>NULL → {@code null}; booleans → {@code true}/{@code false}; integers → numbers;</li>
 * <li>decimals → numbers written exactly ({@code 12.50} stays {@code 12.50}); a float or numeric that is NaN or
 * infinite has no JSON form and is refused;</li>
 * <li>a column declared {@code json} (its text is JSON) → that JSON, numbers kept exactly; text that is not JSON is
 * refused;</li>
 * <li>dates → {@code "YYYY-MM-DD"}, timestamps → ISO-8601 text ({@code Z} for timestamptz), times and intervals →
 * their ISO text, uuids and other text → strings, bytes → base64 strings, arrays → JSON arrays.</li>
 * </ul>
 */
public final class JsonLineValues {
    private static final ObjectMapper EXACT = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
    /** The mapper's own factory: its generators can write the trees it reads. */
    private static final JsonFactory FACTORY = EXACT.getFactory();

    private JsonLineValues() {}

    /** A value that has no JSON form: the row goes to the DLQ with this reason. */
    public static final class NotJsonException extends Exception {
        public NotJsonException(String message) {
            super(message);
        }
    }

    /** The compact JSON text of one value. */
    public static String json(Schema schema, Object value, boolean jsonText) throws NotJsonException {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, schema, value, jsonText);
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON into memory failed", e);
        }
        return out.toString();
    }

    /** A JSON string literal of a name (keys of a line). */
    public static String quoted(String text) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeString(text);
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON into memory failed", e);
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, Schema schema, Object value, boolean jsonText) throws IOException, NotJsonException {
        if (value == null) {
            g.writeNull();
            return;
        }
        Schema s = AvroValues.nonNull(schema);
        LogicalType logical = s.getLogicalType();
        if (logical instanceof LogicalTypes.Decimal decimal) {
            g.writeNumber(AvroValues.decimal(decimal, value));
            return;
        }
        if (logical instanceof LogicalTypes.Date) {
            g.writeString(LocalDate.ofEpochDay((Integer) value).toString());
            return;
        }
        if (logical != null) { // timestamps, times, uuid: their canonical ISO / text form
            g.writeString(AvroValues.text(s, value));
            return;
        }
        if (PostgresType.isUnconstrainedNumeric(s)) {
            java.math.BigDecimal number;
            try {
                number = new java.math.BigDecimal(value.toString());
            } catch (NumberFormatException e) {
                throw new NotJsonException("numeric value " + value + " has no JSON form (JSON numbers are finite)");
            }
            g.writeNumber(number);
            return;
        }
        switch (s.getType()) {
            case BOOLEAN -> g.writeBoolean((Boolean) value);
            case INT -> g.writeNumber((Integer) value);
            case LONG -> g.writeNumber((Long) value);
            case FLOAT, DOUBLE -> {
                double d = ((Number) value).doubleValue();
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    throw new NotJsonException("the float value " + d + " has no JSON form (JSON numbers are finite)");
                }
                if (s.getType() == Schema.Type.FLOAT) {
                    g.writeNumber((Float) value);
                } else {
                    g.writeNumber(d);
                }
            }
            case BYTES -> {
                ByteBuffer b = ((ByteBuffer) value).duplicate();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                g.writeString(Base64.getEncoder().encodeToString(bytes));
            }
            case ARRAY -> {
                g.writeStartArray();
                for (Object element : (List<?>) value) {
                    write(g, s.getElementType(), element, jsonText);
                }
                g.writeEndArray();
            }
            case STRING -> {
                if (jsonText) {
                    g.writeTree(parse(value.toString()));
                } else {
                    g.writeString(value.toString());
                }
            }
            default -> g.writeString(AvroValues.text(s, value));
        }
    }

    private static JsonNode parse(String text) throws NotJsonException {
        String shown = text.length() > 60 ? text.substring(0, 60) + "…" : text;
        try {
            JsonNode node = EXACT.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new NotJsonException("the column is declared json but its value is empty text, not JSON");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new NotJsonException("the column is declared json but its value is not JSON: '" + shown + "' ("
                    + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new IllegalStateException("reading JSON from memory failed", e);
        }
    }
}
