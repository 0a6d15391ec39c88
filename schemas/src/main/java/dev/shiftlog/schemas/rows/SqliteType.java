package dev.shiftlog.schemas.rows;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * How the values of a SQLite column are read: SQLite keeps any value in any column, so a column's declared type
 * (or a rule of the spec's {@code source.types}) says what its values must be, and each value is checked and
 * converted into the Avro form {@link PostgresType} gives that kind — the same form a PostgreSQL source's values
 * take, so the transformer, the sink and {@code plan} treat both alike. A value that does not fit is refused with
 * the reason, never guessed at.
 *
 * @param precision for {@link Kind#NUMERIC}: the declared digits, 0 for an unconstrained numeric
 */
public record SqliteType(Kind kind, int precision, int scale) {

    /** The kinds a {@code source.types} rule may name. */
    public enum Kind {
        INTEGER("integer"), REAL("real"), TEXT("text"), BLOB("blob"), BOOLEAN("boolean"), DATE("date"),
        /** wall-clock text, {@code YYYY-MM-DD HH:MM:SS[.fff]} (SQLite's own date functions write it) */
        TIMESTAMP("timestamp"),
        /** an instant as milliseconds since 1970 (Prisma on SQLite stores DateTime so) */
        EPOCH_MILLIS("epoch-millis"),
        EPOCH_SECONDS("epoch-seconds"),
        NUMERIC("numeric");

        final String specName;

        Kind(String specName) {
            this.specName = specName;
        }
    }

    /** What a rule may say, for error messages. */
    public static final String KINDS = "integer, real, text, blob, boolean, date, timestamp, epoch-millis, epoch-seconds, numeric, numeric(p,s)";
    private static final Pattern NUMERIC_TYPE = Pattern.compile("(?:NUMERIC|DECIMAL)\\s*\\(\\s*(\\d+)\\s*(?:,\\s*(\\d+)\\s*)?\\)");
    private static final DateTimeFormatter WALL_CLOCK = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd").optionalStart().appendLiteral(' ').optionalEnd().optionalStart().appendLiteral('T').optionalEnd()
            .optionalStart().appendPattern("HH:mm").optionalStart().appendPattern(":ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd().optionalEnd()
            .optionalStart().appendLiteral('Z').optionalEnd().optionalEnd()
            .parseDefaulting(ChronoField.HOUR_OF_DAY, 0).parseDefaulting(ChronoField.MINUTE_OF_HOUR, 0).toFormatter(Locale.ROOT);

    /** A value that does not fit its column's kind: why, for the DLQ. */
    public static final class MismatchException extends Exception {
        public MismatchException(String message) {
            super(message);
        }
    }

    /** A rule of {@code source.types}, or null when it names no kind. */
    public static SqliteType parseRule(String rule) {
        String r = rule.trim().toLowerCase(Locale.ROOT);
        for (Kind k : Kind.values()) {
            if (k.specName.equals(r)) {
                return new SqliteType(k, 0, 0);
            }
        }
        Matcher m = NUMERIC_TYPE.matcher(r.toUpperCase(Locale.ROOT));
        return m.matches() ? numeric(m) : null;
    }

    public static boolean isKnown(String rule) {
        return parseRule(rule) != null;
    }

    /**
     * The kind a declared column type implies, by SQLite's own affinity rules plus the names applications use for
     * booleans, dates and exact numbers: {@code INT} anywhere → integer; {@code CHAR}, {@code CLOB}, {@code TEXT} →
     * text; {@code BLOB} → blob; {@code REAL}, {@code FLOA}, {@code DOUB} → real; {@code BOOL} → boolean;
     * {@code DATETIME}, {@code TIMESTAMP} → timestamp; {@code DATE} → date; {@code NUMERIC(p,s)}, {@code DECIMAL(p,s)}
     * → numeric; anything else (no type at all included) → text.
     */
    public static SqliteType ofDeclared(String declared) {
        String t = declared == null ? "" : declared.toUpperCase(Locale.ROOT);
        Matcher m = NUMERIC_TYPE.matcher(t.trim());
        if (m.matches()) {
            return numeric(m);
        }
        Kind kind = t.contains("INT") ? Kind.INTEGER
                : t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") ? Kind.TEXT
                : t.contains("BLOB") ? Kind.BLOB
                : t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") ? Kind.REAL
                : t.contains("BOOL") ? Kind.BOOLEAN
                : t.contains("DATETIME") || t.contains("TIMESTAMP") ? Kind.TIMESTAMP
                : t.contains("DATE") ? Kind.DATE
                : t.contains("NUMERIC") || t.contains("DECIMAL") ? Kind.NUMERIC
                : Kind.TEXT;
        return new SqliteType(kind, 0, 0);
    }

    private static SqliteType numeric(Matcher m) {
        return new SqliteType(Kind.NUMERIC, Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
    }

    /** The Avro schema of the values (not null-wrapped): the one {@link PostgresType} has for that kind. */
    public Schema avro() {
        return switch (kind) {
            case INTEGER -> PostgresType.BIGINT.avro();
            case REAL -> PostgresType.DOUBLE.avro();
            case TEXT -> PostgresType.TEXT.avro();
            case BLOB -> PostgresType.BYTEA.avro();
            case BOOLEAN -> PostgresType.BOOLEAN.avro();
            case DATE -> PostgresType.DATE.avro();
            case TIMESTAMP -> PostgresType.TIMESTAMP.avro();
            case EPOCH_MILLIS, EPOCH_SECONDS -> PostgresType.TIMESTAMPTZ.avro();
            case NUMERIC -> PostgresType.NUMERIC.avro(precision, scale);
        };
    }

    /** The PostgreSQL type whose values take the same Avro form, as {@code plan} names legacy column types. */
    public String postgresName() {
        return switch (kind) {
            case INTEGER -> "int8";
            case REAL -> "float8";
            case TEXT -> "text";
            case BLOB -> "bytea";
            case BOOLEAN -> "bool";
            case DATE -> "date";
            case TIMESTAMP -> "timestamp";
            case EPOCH_MILLIS, EPOCH_SECONDS -> "timestamptz";
            case NUMERIC -> "numeric";
        };
    }

    /** What a rule that reads values so would say, e.g. {@code numeric(10,2)}. */
    public String describe() {
        return kind == Kind.NUMERIC && precision > 0 ? "numeric(" + precision + "," + scale + ")" : kind.specName;
    }

    /**
     * The Avro value of a stored value as the SQLite driver returns it ({@code Long}/{@code Integer}, {@code Double},
     * {@code String}, {@code byte[]}, or null).
     *
     * @throws MismatchException when the stored value is not of this kind (a word in an integer column, a number
     *     with more decimals than the declared scale, a date SQLite's functions would not write)
     */
    public Object toAvro(Object stored) throws MismatchException {
        if (stored == null) {
            return null;
        }
        try {
            return switch (kind) {
                case INTEGER -> stored instanceof Integer || stored instanceof Long ? ((Number) stored).longValue()
                        : stored instanceof String s ? Long.parseLong(s.trim()) : refuse(stored);
                case REAL -> stored instanceof Number n ? n.doubleValue() : stored instanceof String s ? Double.parseDouble(s.trim()) : refuse(stored);
                case TEXT -> stored instanceof String s ? s : stored instanceof Integer || stored instanceof Long ? stored.toString() : refuse(stored);
                case BLOB -> stored instanceof byte[] b ? ByteBuffer.wrap(b)
                        : stored instanceof String s ? ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)) : refuse(stored);
                case BOOLEAN -> bool(stored);
                case DATE -> stored instanceof String s ? (int) date(s) : refuse(stored);
                case TIMESTAMP -> stored instanceof String s ? micros(LocalDateTime.parse(s.trim(), WALL_CLOCK)) : refuse(stored);
                case EPOCH_MILLIS -> stored instanceof Integer || stored instanceof Long ? Math.multiplyExact(((Number) stored).longValue(), 1_000L) : refuse(stored);
                case EPOCH_SECONDS -> stored instanceof Integer || stored instanceof Long ? Math.multiplyExact(((Number) stored).longValue(), 1_000_000L) : refuse(stored);
                case NUMERIC -> decimal(stored);
            };
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            return refuse(stored);
        }
    }

    private Object refuse(Object stored) throws MismatchException {
        String shown = stored instanceof byte[] b ? b.length + " byte(s) of blob" : stored instanceof String s
                ? "'" + (s.length() > 60 ? s.substring(0, 60) + "…" : s) + "' (text)"
                : stored + " (" + (stored instanceof Double ? "real" : "integer") + ")";
        throw new MismatchException(shown + " is not " + describe());
    }

    private Object bool(Object stored) throws MismatchException {
        if (stored instanceof Integer || stored instanceof Long) {
            long v = ((Number) stored).longValue();
            return v == 0 ? Boolean.FALSE : v == 1 ? Boolean.TRUE : refuse(stored);
        }
        if (stored instanceof String s) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "1", "true", "t" -> {
                    return Boolean.TRUE;
                }
                case "0", "false", "f" -> {
                    return Boolean.FALSE;
                }
                default -> {
                    return refuse(stored);
                }
            }
        }
        return refuse(stored);
    }

    private static long date(String s) {
        LocalDateTime t = LocalDateTime.parse(s.trim(), WALL_CLOCK);
        if (t.toLocalTime().toNanoOfDay() != 0) {
            throw new DateTimeParseException("a time of day in a date", s, 0);
        }
        return t.toLocalDate().toEpochDay();
    }

    private static long micros(LocalDateTime t) {
        return Math.addExact(Math.multiplyExact(t.toEpochSecond(ZoneOffset.UTC), 1_000_000L), t.getNano() / 1_000);
    }

    /** Exact: a real is read through its shortest decimal text (0.99 stays 0.99), and never rounded to fit. */
    private Object decimal(Object stored) throws MismatchException {
        BigDecimal v = stored instanceof Double d ? new BigDecimal(Double.toString(d))
                : stored instanceof Integer || stored instanceof Long ? BigDecimal.valueOf(((Number) stored).longValue())
                : stored instanceof String s ? new BigDecimal(s.trim()) : null;
        if (v == null) {
            return refuse(stored);
        }
        if (precision == 0) {
            return v.toPlainString();
        }
        BigDecimal stripped = v.stripTrailingZeros();
        if (stripped.scale() > scale || stripped.precision() - stripped.scale() > precision - scale) {
            return refuse(stored);
        }
        return AvroValues.decimalBytes(v.setScale(scale));
    }
}
