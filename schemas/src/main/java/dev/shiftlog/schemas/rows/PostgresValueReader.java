package dev.shiftlog.schemas.rows;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Reads a PostgreSQL column of a JDBC result as the Avro value the producer makes of Debezium's event for it
 * ({@link PostgresType}'s schemas, {@link AvroValues}' conventions): the chunked snapshot publishes these values and
 * {@code verify} compares with them, so both must read a row exactly as the log capture does.
 */
public final class PostgresValueReader {
    private PostgresValueReader() {}

    /** The value of {@code column} under the Avro schema {@code type} (not the optional union), or null. */
    public static Object read(ResultSet rs, int column, Schema type) throws SQLException {
        if (type.getType() == Schema.Type.ARRAY) {
            Array array = rs.getArray(column);
            if (array == null) {
                return null;
            }
            Schema element = AvroValues.nonNull(type.getElementType());
            return Arrays.stream((Object[]) array.getArray()).map(v -> convert(v, element)).toList();
        }
        Object value = switch (type.getType()) {
            case INT -> type.getLogicalType() instanceof LogicalTypes.Date ? rs.getObject(column, LocalDate.class) : rs.getObject(column);
            case LONG -> {
                if (type.getLogicalType() instanceof LogicalTypes.TimestampMicros) {
                    yield rs.getObject(column, OffsetDateTime.class);
                } else if (type.getLogicalType() instanceof LogicalTypes.LocalTimestampMicros) {
                    yield rs.getObject(column, LocalDateTime.class);
                } else if (type.getLogicalType() instanceof LogicalTypes.TimeMicros) {
                    // the driver reads PostgreSQL's 24:00:00 as LocalTime.MAX (23:59:59.999999999); the text is exact
                    String text = rs.getString(column);
                    yield text == null ? null : text.startsWith("24:00:00") ? (Object) 86_400_000_000L : rs.getObject(column, LocalTime.class);
                }
                yield rs.getObject(column);
            }
            case BYTES -> type.getLogicalType() instanceof LogicalTypes.Decimal ? rs.getBigDecimal(column) : rs.getBytes(column);
            case STRING -> PostgresType.isUnconstrainedNumeric(type) ? rs.getBigDecimal(column)
                    : PostgresType.isInterval(type) ? rs.getObject(column) : rs.getString(column);
            default -> rs.getObject(column);
        };
        return rs.wasNull() ? null : convert(value, type);
    }

    private static Object convert(Object value, Schema type) {
        if (value == null) {
            return null;
        }
        if (type.getLogicalType() instanceof LogicalTypes.Decimal decimal) {
            return AvroValues.decimalBytes(((BigDecimal) value).setScale(decimal.getScale()));
        }
        return switch (type.getType()) {
            case INT -> value instanceof LocalDate d ? (int) d.toEpochDay() : ((Number) value).intValue();
            case LONG -> {
                if (value instanceof OffsetDateTime t) {
                    yield AvroValues.microsOf(t.toInstant());
                } else if (value instanceof LocalDateTime t) {
                    yield AvroValues.microsOf(t.toInstant(ZoneOffset.UTC));
                } else if (value instanceof LocalTime t) {
                    yield t.toNanoOfDay() / 1000L;
                }
                yield ((Number) value).longValue();
            }
            case FLOAT -> ((Number) value).floatValue();
            case DOUBLE -> ((Number) value).doubleValue();
            case BYTES -> ByteBuffer.wrap((byte[]) value);
            // Debezium sends unconstrained numeric with its scale normalized (1.500 → 1.5); the same here
            case STRING -> value instanceof BigDecimal d ? d.stripTrailingZeros().toPlainString()
                    : value instanceof org.postgresql.util.PGInterval i ? PostgresType.isoInterval(i.getYears(), i.getMonths(),
                            i.getDays(), i.getHours(), i.getMinutes(), BigDecimal.valueOf(i.getSeconds()))
                    : value.toString();
            default -> value;
        };
    }
}
