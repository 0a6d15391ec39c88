package dev.shiftlog.schemas.rows;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * The one table of the PostgreSQL types shiftlog carries: each type's catalog names ({@code pg_type.typname}), the
 * Avro schema of its values — the same for the producer (Debezium's events), {@code verify}'s legacy reader (JDBC)
 * and {@code plan} — and the family a target column of the type belongs to when {@code plan} checks what loads into
 * it. A column's CEL type follows from its Avro schema ({@link CelTypes#ofAvro}). Types not named here travel as
 * their PostgreSQL text ({@link #OTHER}).
 */
public enum PostgresType {
    // the JDBC driver names an integer column with a sequence default 'serial' (etc.) in result-set metadata
    SMALLINT(Family.INTEGER, Schema.Type.INT, "int2", "smallserial"),
    INTEGER(Family.INTEGER, Schema.Type.INT, "int4", "serial"),
    BIGINT(Family.INTEGER, Schema.Type.LONG, "int8", "oid", "bigserial"),
    REAL(Family.FLOAT, Schema.Type.FLOAT, "float4"),
    DOUBLE(Family.FLOAT, Schema.Type.DOUBLE, "float8"),
    /** exact: {@code decimal(p, s)} with a declared precision, else its plain text (see {@link #isUnconstrainedNumeric}) */
    NUMERIC(Family.DECIMAL, Schema.Type.BYTES, "numeric"),
    BOOLEAN(Family.BOOLEAN, Schema.Type.BOOLEAN, "bool"),
    BYTEA(Family.BYTES, Schema.Type.BYTES, "bytea"),
    /** days since 1970-01-01 */
    DATE(Family.DATE, Schema.Type.INT, "date"),
    /** wall-clock time, no zone: micros of that time read as UTC */
    TIMESTAMP(Family.TIMESTAMP, Schema.Type.LONG, "timestamp"),
    /** an instant: micros since the epoch, UTC */
    TIMESTAMPTZ(Family.TIMESTAMP, Schema.Type.LONG, "timestamptz"),
    /** micros since midnight; {@code 24:00:00} is 86,400,000,000 */
    TIME(Family.TIME, Schema.Type.LONG, "time"),
    /** Debezium sends it normalized to UTC ({@code 13:45:00Z}): the offset it was written with is not kept */
    TIMETZ(Family.TIME, Schema.Type.STRING, "timetz"),
    UUID(Family.UUID, Schema.Type.STRING, "uuid"),
    JSON(Family.JSON, Schema.Type.STRING, "json", "jsonb"),
    /** ISO-8601 text that keeps months and days apart ({@link #isoInterval}), as Debezium's string interval mode */
    INTERVAL(Family.OTHER, Schema.Type.STRING, "interval"),
    TEXT(Family.TEXT, Schema.Type.STRING, "text", "varchar", "bpchar", "name", "citext"),
    /** interval (ISO-8601 text), inet, tsvector, enums, extension types …: their PostgreSQL text */
    OTHER(Family.OTHER, Schema.Type.STRING);

    /** What loads into a target column of a type, as {@code plan}'s fit check groups them. */
    public enum Family { INTEGER, FLOAT, DECIMAL, BOOLEAN, BYTES, DATE, TIMESTAMP, TIME, UUID, JSON, TEXT, OTHER }

    private static final Map<String, PostgresType> BY_NAME = Arrays.stream(values())
            .flatMap(t -> t.typnames.stream().map(n -> Map.entry(n, t)))
            .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
    /**
     * The mark on a text schema whose JDBC value needs more than {@code getString}: an unconstrained numeric (so
     * {@code plan} still knows it for a number) and an interval.
     */
    private static final String PG_TYPE_PROP = "shiftlog.pg-type";
    /** Beyond this PostgreSQL has no declared precision (the driver reports 131089 for a bare {@code numeric}). */
    private static final int MAX_DECLARED_PRECISION = 1000;

    private final Family family;
    private final Schema.Type avroType;
    private final Set<String> typnames;

    PostgresType(Family family, Schema.Type avroType, String... typnames) {
        this.family = family;
        this.avroType = avroType;
        this.typnames = Set.of(typnames);
    }

    /** The type of a catalog type name; an array type ({@code _int4}) is its element's. */
    public static PostgresType of(String typname) {
        String t = typname.toLowerCase(Locale.ROOT);
        return BY_NAME.getOrDefault(t.startsWith("_") ? t.substring(1) : t, OTHER);
    }

    /** True for a catalog array type name ({@code _text}, {@code _int4}). */
    public static boolean isArray(String typname) {
        return typname.startsWith("_");
    }

    public Family family() {
        return family;
    }

    /** The Avro schema of a value; {@code precision} and {@code scale} matter for {@link #NUMERIC} only. */
    public Schema avro(int precision, int scale) {
        Schema base = Schema.create(avroType);
        return switch (this) {
            case NUMERIC -> precision > 0 && precision <= MAX_DECLARED_PRECISION
                    ? LogicalTypes.decimal(Math.max(precision, Math.max(scale, 1)), scale).addToSchema(base)
                    : unconstrainedNumeric();
            case DATE -> LogicalTypes.date().addToSchema(base);
            case TIMESTAMP -> LogicalTypes.localTimestampMicros().addToSchema(base);
            case TIMESTAMPTZ -> LogicalTypes.timestampMicros().addToSchema(base);
            case TIME -> LogicalTypes.timeMicros().addToSchema(base);
            case UUID -> LogicalTypes.uuid().addToSchema(base);
            case INTERVAL -> marked(base, "interval");
            default -> base;
        };
    }

    /** The Avro schema of a value of a type with no modifiers. */
    public Schema avro() {
        return avro(0, 0);
    }

    /** The Avro schema of a column of catalog type {@code typname}: arrays of nullable elements included. */
    public static Schema avroOf(String typname, int precision, int scale) {
        return isArray(typname) ? arrayOf(of(typname).avro()) : of(typname).avro(precision, scale);
    }

    /** An array of this element type: PostgreSQL arrays may hold NULLs at any position. */
    public static Schema arrayOf(Schema element) {
        return Schema.createArray(AvroValues.optional(element));
    }

    /** True for the text-carried numeric without a declared precision (PostgreSQL {@code numeric} with no typmod). */
    public static boolean isUnconstrainedNumeric(Schema type) {
        return "numeric".equals(type.getProp(PG_TYPE_PROP));
    }

    /** True for the ISO-8601 text of an interval. */
    public static boolean isInterval(Schema type) {
        return "interval".equals(type.getProp(PG_TYPE_PROP));
    }

    /**
     * An interval's ISO-8601 text, {@code P1Y2M3DT4H5M6.789S}: each field with its own sign, seconds to at most
     * nanoseconds without trailing zeros — Debezium's form, so the producer and JDBC readers agree.
     */
    public static String isoInterval(int years, int months, int days, int hours, int minutes, java.math.BigDecimal seconds) {
        java.math.BigDecimal s = seconds.scale() > 9 ? seconds.setScale(9, java.math.RoundingMode.DOWN) : seconds;
        return "P" + years + "Y" + months + "M" + days + "DT" + hours + "H" + minutes + "M" + s.stripTrailingZeros().toPlainString() + "S";
    }

    private static Schema unconstrainedNumeric() {
        return marked(Schema.create(Schema.Type.STRING), "numeric");
    }

    private static Schema marked(Schema s, String pgType) {
        s.addProp(PG_TYPE_PROP, pgType);
        return s;
    }
}
