package dev.shiftlog.schemas.rows;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * The one place that knows how shiftlog represents column values in Avro, so producer, transformer, sink and
 * verify agree on it.
 *
 * <p>Time-zone policy: {@code timestamptz} is an instant ({@code timestamp-micros}, UTC); {@code timestamp} without
 * zone is wall-clock time ({@code local-timestamp-micros}) and is never shifted; {@code date} is days since epoch.
 */
public final class AvroValues {
    private AvroValues() {}

    /** The non-null branch of an optional field's schema. */
    public static Schema nonNull(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            for (Schema branch : schema.getTypes()) {
                if (branch.getType() != Schema.Type.NULL) {
                    return branch;
                }
            }
        }
        return schema;
    }

    /** A column or table name as a valid Avro name: other characters become '_', a leading digit gets a '_'. */
    public static String fieldName(String name) {
        String cleaned = name.replaceAll("[^A-Za-z0-9_]", "_");
        return Character.isDigit(cleaned.charAt(0)) ? "_" + cleaned : cleaned;
    }

    /** {@code ["null", schema]} with null as default. */
    public static Schema optional(Schema schema) {
        return Schema.createUnion(Schema.create(Schema.Type.NULL), schema);
    }

    /**
     * Some columns of a row as one key text (values joined by '/', as {@link #keyText}), or null when one of them is
     * NULL — as a foreign key with MATCH SIMPLE is not checked then.
     */
    public static String columnsText(org.apache.avro.generic.GenericRecord row, java.util.List<String> columns) {
        java.util.List<String> parts = new java.util.ArrayList<>(columns.size());
        for (String column : columns) {
            Schema.Field f = row.getSchema().getField(column);
            if (f == null) {
                throw new IllegalArgumentException("row " + row.getSchema().getName() + " has no column '" + column + "'");
            }
            String part = text(f.schema(), row.get(f.pos()));
            if (part == null) {
                return null;
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }

    /** A key record as text: its values joined by '/', as legacy keys and the rows lookups find are named. */
    public static String keyText(org.apache.avro.generic.GenericRecord key) {
        java.util.List<String> parts = new java.util.ArrayList<>();
        for (Schema.Field f : key.getSchema().getFields()) {
            parts.add(text(f.schema(), key.get(f.pos())));
        }
        return String.join("/", parts);
    }

    /**
     * A canonical text form of a value: plain decimals, ISO-8601 times, lower-case hex for bytes. Used for legacy
     * keys, uuid5 names and expressions that see a column as a string.
     */
    public static String text(Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        Schema s = nonNull(schema);
        LogicalType logical = s.getLogicalType();
        if (logical instanceof LogicalTypes.Decimal decimal) {
            return decimal(decimal, value).toPlainString();
        }
        if (logical instanceof LogicalTypes.TimestampMicros) {
            return instantOfMicros((Long) value).toString();
        }
        if (logical instanceof LogicalTypes.LocalTimestampMicros) {
            return localDateTimeOfMicros((Long) value).toString();
        }
        if (logical instanceof LogicalTypes.Date) {
            return LocalDate.ofEpochDay((Integer) value).toString();
        }
        if (logical instanceof LogicalTypes.TimeMicros) {
            long micros = (Long) value;
            // PostgreSQL's time accepts 24:00:00 (end of day), which no LocalTime can hold
            return micros == 86_400_000_000L ? "24:00:00" : LocalTime.ofNanoOfDay(micros * 1000).toString();
        }
        return switch (s.getType()) {
            case BYTES -> hex((ByteBuffer) value);
            case ARRAY -> ((List<?>) value).stream().map(v -> text(s.getElementType(), v)).toList().toString();
            default -> value.toString();
        };
    }

    public static BigDecimal decimal(LogicalTypes.Decimal type, Object value) {
        ByteBuffer buffer = ((ByteBuffer) value).duplicate();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return new BigDecimal(new BigInteger(bytes), type.getScale());
    }

    public static ByteBuffer decimalBytes(BigDecimal value) {
        return ByteBuffer.wrap(value.unscaledValue().toByteArray());
    }

    public static Instant instantOfMicros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    }

    public static LocalDateTime localDateTimeOfMicros(long micros) {
        return LocalDateTime.ofInstant(instantOfMicros(micros), ZoneOffset.UTC);
    }

    public static long microsOf(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
    }

    static String hex(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        StringBuilder sb = new StringBuilder(b.remaining() * 2);
        while (b.hasRemaining()) {
            sb.append(Character.forDigit((b.get() >> 4) & 0xf, 16)).append(Character.forDigit(b.get(b.position() - 1) & 0xf, 16));
        }
        return sb.toString();
    }
}
