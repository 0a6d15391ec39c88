package dev.shiftlog.schemas.rows;

import dev.cel.common.types.CelType;
import dev.cel.common.types.NullableType;
import dev.cel.common.types.SimpleType;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;

/**
 * How a column looks inside a CEL expression. Every column is nullable (a CEL wrapper type), so {@code col == null}
 * type-checks. Numbers, strings, booleans and bytes keep their type; decimals,
 * times, dates and uuids are their canonical text (see {@link AvroValues#text}) so no precision is lost.
 */
public final class CelTypes {
    private CelTypes() {}

    /** The CEL type of a column as the producer writes it to Avro. */
    public static CelType ofAvro(Schema fieldSchema) {
        Schema s = AvroValues.nonNull(fieldSchema);
        if (s.getLogicalType() != null) {
            return NullableType.create(SimpleType.STRING);
        }
        return switch (s.getType()) {
            case INT, LONG -> NullableType.create(SimpleType.INT);
            case FLOAT, DOUBLE -> NullableType.create(SimpleType.DOUBLE);
            case BOOLEAN -> NullableType.create(SimpleType.BOOL);
            case BYTES -> NullableType.create(SimpleType.BYTES);
            // CEL has no nullable lists; dyn lets 'tags == null ? [] : tags' type-check
            case ARRAY -> SimpleType.DYN;
            default -> NullableType.create(SimpleType.STRING);
        };
    }

    /** The CEL type of a column from its PostgreSQL catalog type name (pg_type.typname), for {@code plan}. */
    public static CelType ofPostgres(String typname) {
        return ofAvro(PostgresType.avroOf(typname, 0, 0));
    }

    /** The Avro schema of an expression's result. */
    public static Schema avroOf(CelType celType) {
        CelType type = celType instanceof NullableType nullable ? nullable.targetType() : celType;
        if (type instanceof dev.cel.common.types.ListType list) {
            return Schema.createArray(AvroValues.optional(avroOf(list.elemType())));
        }
        if (type.equals(SimpleType.INT) || type.equals(SimpleType.UINT)) {
            return Schema.create(Schema.Type.LONG);
        }
        if (type.equals(SimpleType.DOUBLE)) {
            return Schema.create(Schema.Type.DOUBLE);
        }
        if (type.equals(SimpleType.BOOL)) {
            return Schema.create(Schema.Type.BOOLEAN);
        }
        if (type.equals(SimpleType.BYTES)) {
            return Schema.create(Schema.Type.BYTES);
        }
        return Schema.create(Schema.Type.STRING);
    }

    /** A column value as CEL sees it. */
    public static Object toCel(Schema fieldSchema, Object value) {
        if (value == null) {
            return dev.cel.common.values.NullValue.NULL_VALUE;
        }
        Schema s = AvroValues.nonNull(fieldSchema);
        if (s.getLogicalType() != null) {
            return AvroValues.text(s, value);
        }
        return switch (s.getType()) {
            case INT -> ((Integer) value).longValue();
            case FLOAT -> ((Float) value).doubleValue();
            case BYTES -> {
                ByteBuffer b = ((ByteBuffer) value).duplicate();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                yield com.google.protobuf.ByteString.copyFrom(bytes);
            }
            case STRING, ENUM -> value.toString();
            case ARRAY -> ((List<?>) value).stream().map(v -> toCel(s.getElementType(), v)).toList();
            default -> value;
        };
    }

    /** An expression result as the Avro value of {@link #avroOf} its type. */
    public static Object fromCel(Schema target, Object value) {
        try {
            return convert(target, value);
        } catch (ClassCastException e) {
            // a dyn result of another type for this row: the row's problem, not shiftlog's
            throw new ValueConversionException("the result " + value + " (" + value.getClass().getSimpleName()
                    + ") does not fit " + AvroValues.nonNull(target).getType().getName());
        }
    }

    /** A value that does not fit its target column's type, for one row: such a row goes to the DLQ. */
    public static final class ValueConversionException extends RuntimeException {
        public ValueConversionException(String message) {
            super(message);
        }
    }

    private static Object convert(Schema target, Object value) {
        if (value == null || value instanceof dev.cel.common.values.NullValue
                || value instanceof com.google.protobuf.NullValue) {
            return null;
        }
        Schema s = AvroValues.nonNull(target);
        return switch (s.getType()) {
            case LONG -> ((Number) value).longValue();
            case DOUBLE -> ((Number) value).doubleValue();
            case BOOLEAN -> value;
            case BYTES -> value instanceof com.google.protobuf.ByteString bs
                    ? ByteBuffer.wrap(bs.toByteArray()) : ByteBuffer.wrap(value.toString().getBytes());
            case ARRAY -> ((List<?>) value).stream().map(v -> convert(s.getElementType(), v)).toList();
            // a dyn result: lists become PostgreSQL array literals and maps JSON, never Java's toString()
            default -> value instanceof List<?> list ? PgCopyText.arrayLiteral(list)
                    : value instanceof java.util.Map<?, ?> map ? MigrationFunctions.json(map) : value.toString();
        };
    }
}
