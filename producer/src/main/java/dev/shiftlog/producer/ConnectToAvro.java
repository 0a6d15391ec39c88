package dev.shiftlog.producer;

import dev.shiftlog.schemas.rows.AvroValues;
import dev.shiftlog.schemas.rows.PostgresType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;

/**
 * Converts Debezium's Connect rows into shiftlog's Avro rows (see {@link AvroValues} for the conventions):
 * decimals stay exact, {@code timestamptz} becomes a UTC instant in micros, {@code timestamp} stays wall-clock.
 */
final class ConnectToAvro {
    private final String namespace;
    private final Map<org.apache.kafka.connect.data.Schema, Schema> schemas = new ConcurrentHashMap<>();

    ConnectToAvro(String namespace) {
        this.namespace = namespace;
    }

    GenericRecord record(Struct struct, String recordName) {
        Schema avro = schemas.computeIfAbsent(struct.schema(), s -> recordSchema(s, recordName));
        GenericRecord out = new GenericData.Record(avro);
        for (Field f : struct.schema().fields()) {
            // never Struct.get: it replaces a NULL with the column's DEFAULT from the Connect schema
            Object v = struct.getWithoutDefault(f.name());
            if (isUnavailable(v)) {
                throw new ProducerException("legacy column " + recordName + "." + f.name() + " arrived without its value (an"
                        + " unchanged TOASTed value under a REPLICA IDENTITY other than FULL, e.g. a partition created after"
                        + " shiftlog started); run ALTER TABLE … REPLICA IDENTITY FULL on it and restart the producer, which"
                        + " resumes at this change", null);
            }
            out.put(f.index(), value(f.schema(), v));
        }
        return out;
    }

    /** Debezium's stand-in for a value the WAL did not carry (its {@code unavailable.value.placeholder}). */
    static final String UNAVAILABLE = "__debezium_unavailable_value";
    private static final byte[] UNAVAILABLE_BYTES = UNAVAILABLE.getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private static boolean isUnavailable(Object v) {
        if (v instanceof String s) {
            return s.equals(UNAVAILABLE);
        }
        if (v instanceof byte[] b) {
            return java.util.Arrays.equals(b, UNAVAILABLE_BYTES);
        }
        if (v instanceof ByteBuffer b) {
            return b.equals(ByteBuffer.wrap(UNAVAILABLE_BYTES));
        }
        return v instanceof List<?> list && list.size() == 1 && isUnavailable(list.get(0));
    }

    private Schema recordSchema(org.apache.kafka.connect.data.Schema connect, String name) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Field f : connect.fields()) {
            Schema type = type(f.schema());
            if (f.schema().isOptional()) {
                fields.add(new Schema.Field(AvroValues.fieldName(f.name()), AvroValues.optional(type), null, Schema.Field.NULL_DEFAULT_VALUE));
            } else {
                fields.add(new Schema.Field(AvroValues.fieldName(f.name()), type));
            }
        }
        return Schema.createRecord(AvroValues.fieldName(name), null, namespace, false, fields);
    }

    /** The Avro schema of a Connect field: the {@link PostgresType} Debezium's schema stands for, and that type's schema. */
    private Schema type(org.apache.kafka.connect.data.Schema s) {
        String semantic = s.name() == null ? "" : s.name();
        if (semantic.equals("org.apache.kafka.connect.data.Decimal")) {
            String p = s.parameters().get("connect.decimal.precision");
            return PostgresType.NUMERIC.avro(p == null ? 38 : Integer.parseInt(p), Integer.parseInt(s.parameters().get("scale")));
        }
        if (s.type() == org.apache.kafka.connect.data.Schema.Type.ARRAY) {
            return PostgresType.arrayOf(type(s.valueSchema()));
        }
        return postgresType(semantic, s.type()).avro();
    }

    private static PostgresType postgresType(String semantic, org.apache.kafka.connect.data.Schema.Type type) {
        return switch (semantic) {
            case "io.debezium.data.VariableScaleDecimal" -> PostgresType.NUMERIC; // no declared precision
            case "io.debezium.time.Date" -> PostgresType.DATE;
            case "io.debezium.time.MicroTimestamp", "io.debezium.time.Timestamp", "io.debezium.time.NanoTimestamp" -> PostgresType.TIMESTAMP;
            case "io.debezium.time.ZonedTimestamp" -> PostgresType.TIMESTAMPTZ;
            case "io.debezium.time.MicroTime", "io.debezium.time.Time", "io.debezium.time.NanoTime" -> PostgresType.TIME;
            case "io.debezium.data.Uuid" -> PostgresType.UUID;
            case "io.debezium.time.Interval" -> PostgresType.INTERVAL; // interval.handling.mode=string
            default -> switch (type) {
                case INT8, INT16 -> PostgresType.SMALLINT;
                case INT32 -> PostgresType.INTEGER;
                case INT64 -> PostgresType.BIGINT;
                case FLOAT32 -> PostgresType.REAL;
                case FLOAT64 -> PostgresType.DOUBLE;
                case BOOLEAN -> PostgresType.BOOLEAN;
                case BYTES -> PostgresType.BYTEA;
                default -> PostgresType.OTHER; // text, json, enums, intervals …: strings
            };
        };
    }

    private Object value(org.apache.kafka.connect.data.Schema s, Object v) {
        if (v == null) {
            return null;
        }
        String semantic = s.name() == null ? "" : s.name();
        switch (semantic) {
            case "org.apache.kafka.connect.data.Decimal" -> {
                int scale = Integer.parseInt(s.parameters().get("scale"));
                return AvroValues.decimalBytes(((BigDecimal) v).setScale(scale));
            }
            case "io.debezium.time.Timestamp", "io.debezium.time.Time" -> {
                return ((Number) v).longValue() * 1000L;
            }
            case "io.debezium.time.NanoTimestamp", "io.debezium.time.NanoTime" -> {
                return ((Number) v).longValue() / 1000L;
            }
            case "io.debezium.time.ZonedTimestamp" -> {
                return AvroValues.microsOf(OffsetDateTime.parse((String) v).toInstant());
            }
            case "io.debezium.data.VariableScaleDecimal" -> {
                Struct st = (Struct) v;
                byte[] bytes = (byte[]) st.getWithoutDefault("value");
                return new BigDecimal(new BigInteger(bytes), (Integer) st.getWithoutDefault("scale")).toPlainString();
            }
            default -> { }
        }
        return switch (s.type()) {
            case INT8 -> ((Byte) v).intValue();
            case INT16 -> ((Short) v).intValue();
            case BYTES -> v instanceof byte[] b ? ByteBuffer.wrap(b) : v;
            case ARRAY -> ((List<?>) v).stream().map(e -> value(s.valueSchema(), e)).toList();
            case INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING -> v;
            default -> v.toString();
        };
    }
}
