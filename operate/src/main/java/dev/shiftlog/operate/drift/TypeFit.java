package dev.shiftlog.operate.drift;

import dev.shiftlog.schemas.catalog.ColumnInfo;
import dev.shiftlog.schemas.rows.PostgresType;
import java.util.Locale;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Whether the values a mapping produces can load into a target column type. The sink writes every value as
 * PostgreSQL input text through COPY, so the question is which text forms the column's type accepts.
 */
public final class TypeFit {
    private TypeFit() {}

    /** The outcome for one column. */
    public enum Fit {
        /** every value loads */
        OK,
        /** values load only when their text is valid for the column (e.g. text into integer) */
        DEPENDS,
        /** no value of this kind can ever load (e.g. boolean into uuid) */
        NEVER
    }

    /** The shape of a mapped value, as far as loading it goes. */
    enum Kind { INTEGER, FLOAT, DECIMAL, BOOLEAN, BYTES, DATE, TIMESTAMP, TIME, UUID, TEXT, ARRAY }

    /** How values of {@code value} (an Avro field schema of the mapper's output) fit a target column. */
    public static Fit fit(Schema value, ColumnInfo column) {
        Kind kind = kind(value);
        String t = column.type().toLowerCase(Locale.ROOT);
        if (column.category() == 'A' || t.startsWith("_")) {
            return kind == Kind.ARRAY ? Fit.OK : kind == Kind.TEXT ? Fit.DEPENDS : Fit.NEVER;
        }
        if (column.category() == 'E') { // an enum label can be any text, even '1'
            return kind == Kind.ARRAY || kind == Kind.BYTES ? Fit.NEVER : Fit.DEPENDS;
        }
        if (column.category() == 'S') {
            return kind == Kind.ARRAY || kind == Kind.BYTES ? Fit.DEPENDS : Fit.OK;
        }
        return switch (PostgresType.of(t).family()) {
            case INTEGER -> switch (kind) {
                case INTEGER -> Fit.OK;
                case FLOAT, DECIMAL, TEXT -> Fit.DEPENDS;
                default -> Fit.NEVER;
            };
            case FLOAT, DECIMAL -> switch (kind) {
                case INTEGER, FLOAT, DECIMAL -> Fit.OK;
                case TEXT -> Fit.DEPENDS;
                default -> Fit.NEVER;
            };
            case BOOLEAN -> kind == Kind.BOOLEAN ? Fit.OK : kind == Kind.INTEGER || kind == Kind.TEXT ? Fit.DEPENDS : Fit.NEVER;
            case UUID -> kind == Kind.UUID ? Fit.OK : kind == Kind.TEXT ? Fit.DEPENDS : Fit.NEVER;
            case DATE -> kind == Kind.DATE ? Fit.OK : kind == Kind.TIMESTAMP || kind == Kind.TEXT ? Fit.DEPENDS : Fit.NEVER;
            case BYTES -> kind == Kind.BYTES ? Fit.OK : kind == Kind.TEXT ? Fit.DEPENDS : Fit.NEVER;
            case TIMESTAMP -> kind == Kind.TIMESTAMP || kind == Kind.DATE ? Fit.OK : kind == Kind.TEXT ? Fit.DEPENDS : Fit.NEVER;
            case TIME -> kind == Kind.TIME ? Fit.OK : kind == Kind.TEXT ? Fit.DEPENDS : Fit.NEVER;
            // numbers and booleans are JSON as they are; text must be a JSON document
            case JSON -> switch (kind) {
                case INTEGER, FLOAT, DECIMAL, BOOLEAN -> Fit.OK;
                case TEXT -> Fit.DEPENDS;
                default -> Fit.NEVER;
            };
            case TEXT, OTHER -> Fit.DEPENDS; // interval, inet, extension types …: their input syntax decides
        };
    }

    static Kind kind(Schema schema) {
        Schema s = dev.shiftlog.schemas.rows.AvroValues.nonNull(schema);
        var logical = s.getLogicalType();
        if (logical instanceof LogicalTypes.Decimal || PostgresType.isUnconstrainedNumeric(s)) {
            return Kind.DECIMAL;
        }
        if (logical instanceof LogicalTypes.Date) {
            return Kind.DATE;
        }
        if (logical instanceof LogicalTypes.TimestampMicros || logical instanceof LogicalTypes.TimestampMillis
                || logical instanceof LogicalTypes.LocalTimestampMicros || logical instanceof LogicalTypes.LocalTimestampMillis) {
            return Kind.TIMESTAMP;
        }
        if (logical instanceof LogicalTypes.TimeMicros || logical instanceof LogicalTypes.TimeMillis) {
            return Kind.TIME;
        }
        if (logical != null && "uuid".equals(logical.getName())) {
            return Kind.UUID;
        }
        return switch (s.getType()) {
            case INT, LONG -> Kind.INTEGER;
            case FLOAT, DOUBLE -> Kind.FLOAT;
            case BOOLEAN -> Kind.BOOLEAN;
            case BYTES -> Kind.BYTES;
            case ARRAY -> Kind.ARRAY;
            default -> Kind.TEXT;
        };
    }

    /** The value's type in SQL words, for messages. */
    public static String describe(Schema schema) {
        Schema s = dev.shiftlog.schemas.rows.AvroValues.nonNull(schema);
        return switch (kind(s)) {
            case INTEGER -> s.getType() == Schema.Type.INT ? "integer" : "bigint";
            case FLOAT -> "double precision";
            case DECIMAL -> "numeric";
            case BOOLEAN -> "boolean";
            case BYTES -> "bytea";
            case DATE -> "date";
            case TIMESTAMP -> s.getLogicalType() instanceof LogicalTypes.LocalTimestampMicros
                    || s.getLogicalType() instanceof LogicalTypes.LocalTimestampMillis ? "timestamp" : "timestamptz";
            case TIME -> "time";
            case UUID -> "uuid";
            case TEXT -> "text";
            case ARRAY -> describe(s.getElementType()) + "[]";
        };
    }
}
