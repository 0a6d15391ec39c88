package dev.shiftlog.schemas.rows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.NullableType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.TypeParamType;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The functions the migration scenarios need beyond CEL's standard and string/regex extensions. Every function
 * passes null through (a NULL column stays NULL) unless its doc says otherwise, and fails loudly (the row goes to
 * the DLQ) rather than guess: {@code cents(1.005)} is an error, not 100 or 101.
 *
 * <table>
 * <tr><td>{@code coalesce(a, b[, c])}</td><td>first non-null argument</td></tr>
 * <tr><td>{@code enumMap(v, {'M': 'male'}, 'other')}</td><td>map lookup by the value's text; the default for null or unknown</td></tr>
 * <tr><td>{@code extract(s, 'born in (\\d{4})')}</td><td>first capture group (or the whole match) of an RE2 pattern, null if none</td></tr>
 * <tr><td>{@code camelCase(s)}, {@code snakeCase(s)}</td><td>identifier case conversion</td></tr>
 * <tr><td>{@code epochMillis(ts)}</td><td>Unix milliseconds of a timestamp (wall-clock timestamps are read as UTC)</td></tr>
 * <tr><td>{@code cents(d)}</td><td>a decimal amount as integer cents, exact</td></tr>
 * <tr><td>{@code isoDate(d)}</td><td>{@code YYYY-MM-DD} of a date or timestamp</td></tr>
 * <tr><td>{@code toJson(v)}</td><td>JSON text of a value, list or map</td></tr>
 * <tr><td>{@code concat(a, b[, c[, d]])}</td><td>the texts joined; null if any part is null, like SQL's {@code ||}</td></tr>
 * <tr><td>{@code toInt(v)}</td><td>an integer from a number or numeric text; unlike {@code int()} it passes null through</td></tr>
 * <tr><td>{@code birthYear(age, asOfYear)}</td><td>{@code asOfYear - age}; the reference year is explicit so the result never drifts</td></tr>
 * <tr><td>{@code lower(s)}, {@code upper(s)}</td><td>Unicode case mapping independent of the locale, like PostgreSQL's
 * {@code lower()}/{@code upper()} under a UTF-8 database ({@code lowerAscii()} leaves {@code É} as it is)</td></tr>
 * <tr><td>{@code trim(s)}</td><td>SQL's {@code trim()}: leading and trailing spaces removed</td></tr>
 * </table>
 */
public final class MigrationFunctions {
    private static final CelType A = TypeParamType.create("A");
    private static final CelType DYN = SimpleType.DYN;
    private static final CelType NULLABLE_STRING = NullableType.create(SimpleType.STRING);
    private static final CelType NULLABLE_INT = NullableType.create(SimpleType.INT);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, Pattern> patterns = new ConcurrentHashMap<>();

    /** The declarations the type checker needs. */
    public List<CelFunctionDecl> declarations() {
        return List.of(
                CelFunctionDecl.newFunctionDeclaration("coalesce",
                        CelOverloadDecl.newGlobalOverload("coalesce_2", A, A, A),
                        CelOverloadDecl.newGlobalOverload("coalesce_3", A, A, A, A)),
                CelFunctionDecl.newFunctionDeclaration("enumMap", CelOverloadDecl.newGlobalOverload("enum_map", SimpleType.STRING,
                        DYN, MapType.create(SimpleType.STRING, SimpleType.STRING), SimpleType.STRING)),
                CelFunctionDecl.newFunctionDeclaration("extract",
                        CelOverloadDecl.newGlobalOverload("extract_regex", NULLABLE_STRING, DYN, SimpleType.STRING)),
                CelFunctionDecl.newFunctionDeclaration("camelCase", CelOverloadDecl.newGlobalOverload("camel_case", NULLABLE_STRING, DYN)),
                CelFunctionDecl.newFunctionDeclaration("snakeCase", CelOverloadDecl.newGlobalOverload("snake_case", NULLABLE_STRING, DYN)),
                CelFunctionDecl.newFunctionDeclaration("epochMillis", CelOverloadDecl.newGlobalOverload("epoch_millis", NULLABLE_INT, DYN)),
                CelFunctionDecl.newFunctionDeclaration("cents", CelOverloadDecl.newGlobalOverload("cents", NULLABLE_INT, DYN)),
                CelFunctionDecl.newFunctionDeclaration("isoDate", CelOverloadDecl.newGlobalOverload("iso_date", NULLABLE_STRING, DYN)),
                CelFunctionDecl.newFunctionDeclaration("toJson", CelOverloadDecl.newGlobalOverload("to_json", SimpleType.STRING, DYN)),
                CelFunctionDecl.newFunctionDeclaration("concat",
                        CelOverloadDecl.newGlobalOverload("concat_2", NULLABLE_STRING, DYN, DYN),
                        CelOverloadDecl.newGlobalOverload("concat_3", NULLABLE_STRING, DYN, DYN, DYN),
                        CelOverloadDecl.newGlobalOverload("concat_4", NULLABLE_STRING, DYN, DYN, DYN, DYN)),
                CelFunctionDecl.newFunctionDeclaration("toInt", CelOverloadDecl.newGlobalOverload("to_int", NULLABLE_INT, DYN)),
                CelFunctionDecl.newFunctionDeclaration("birthYear",
                        CelOverloadDecl.newGlobalOverload("birth_year", NULLABLE_INT, DYN, SimpleType.INT)),
                CelFunctionDecl.newFunctionDeclaration("lower", CelOverloadDecl.newGlobalOverload("lower_unicode", NULLABLE_STRING, DYN)),
                CelFunctionDecl.newFunctionDeclaration("upper", CelOverloadDecl.newGlobalOverload("upper_unicode", NULLABLE_STRING, DYN)),
                CelFunctionDecl.newFunctionDeclaration("trim", CelOverloadDecl.newGlobalOverload("trim_sql", NULLABLE_STRING, DYN)));
    }

    /** The implementations, bound by overload id. */
    public List<CelFunctionBinding> bindings() {
        return List.of(
                CelFunctionBinding.from("coalesce_2", Object.class, Object.class, (a, b) -> isNull(a) ? b : a),
                CelFunctionBinding.from("coalesce_3", List.of(Object.class, Object.class, Object.class), args -> {
                    for (Object arg : args) {
                        if (!isNull(arg)) {
                            return arg;
                        }
                    }
                    return args[2];
                }),
                CelFunctionBinding.from("enum_map", List.of(Object.class, Map.class, String.class), args -> {
                    Object hit = isNull(args[0]) ? null : ((Map<?, ?>) args[1]).get(args[0].toString());
                    return hit == null ? args[2] : hit;
                }),
                CelFunctionBinding.from("extract_regex", Object.class, String.class, (text, pattern) -> {
                    if (isNull(text)) {
                        return NULL;
                    }
                    Matcher m = patterns.computeIfAbsent(pattern, Pattern::compile).matcher(text.toString());
                    if (!m.find()) {
                        return NULL;
                    }
                    return m.groupCount() > 0 ? m.group(1) : m.group();
                }),
                CelFunctionBinding.from("camel_case", Object.class, s -> isNull(s) ? NULL : camelCase(s.toString())),
                CelFunctionBinding.from("snake_case", Object.class, s -> isNull(s) ? NULL : snakeCase(s.toString())),
                CelFunctionBinding.from("epoch_millis", Object.class, v -> isNull(v) ? NULL : instant(v.toString()).toEpochMilli()),
                CelFunctionBinding.from("cents", Object.class, v -> isNull(v) ? NULL : cents(v)),
                CelFunctionBinding.from("iso_date", Object.class, v -> isNull(v) ? NULL : isoDate(v.toString())),
                CelFunctionBinding.from("to_json", Object.class, MigrationFunctions::toJson),
                CelFunctionBinding.from("concat_2", Object.class, Object.class, (a, b) -> concat(a, b)),
                CelFunctionBinding.from("concat_3", List.of(Object.class, Object.class, Object.class), MigrationFunctions::concat),
                CelFunctionBinding.from("concat_4", List.of(Object.class, Object.class, Object.class, Object.class),
                        MigrationFunctions::concat),
                CelFunctionBinding.from("to_int", Object.class, v -> isNull(v) ? NULL
                        : v instanceof Number n ? (Object) n.longValue() : (Object) Long.parseLong(v.toString().trim())),
                CelFunctionBinding.from("birth_year", Object.class, Long.class,
                        (age, asOf) -> isNull(age) ? NULL : asOf - Long.parseLong(age.toString().trim())),
                CelFunctionBinding.from("lower_unicode", Object.class, s -> isNull(s) ? NULL : s.toString().toLowerCase(Locale.ROOT)),
                CelFunctionBinding.from("upper_unicode", Object.class, s -> isNull(s) ? NULL : s.toString().toUpperCase(Locale.ROOT)),
                CelFunctionBinding.from("trim_sql", Object.class, s -> isNull(s) ? NULL : trimSpaces(s.toString())));
    }

    private static final Object NULL = dev.cel.common.values.NullValue.NULL_VALUE;

    private static boolean isNull(Object v) {
        return v == null || v instanceof dev.cel.common.values.NullValue || v instanceof com.google.protobuf.NullValue;
    }

    private static Object concat(Object... parts) {
        StringBuilder out = new StringBuilder();
        for (Object part : parts) {
            if (isNull(part)) {
                return NULL;
            }
            out.append(part);
        }
        return out.toString();
    }

    /** Only the space character, as SQL's {@code trim(x)} does (Java's {@code strip()} would also take tabs and newlines). */
    private static String trimSpaces(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == ' ') {
            from++;
        }
        while (to > from && s.charAt(to - 1) == ' ') {
            to--;
        }
        return s.substring(from, to);
    }

    static String camelCase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean upper = false;
        for (char c : s.toCharArray()) {
            if (c == '_' || c == '-' || c == ' ') {
                upper = out.length() > 0;
            } else {
                out.append(upper ? Character.toUpperCase(c) : out.length() == 0 ? Character.toLowerCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    static String snakeCase(String s) {
        StringBuilder out = new StringBuilder(s.length() + 4);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isUpperCase(c) && i > 0 && s.charAt(i - 1) != '_') {
                out.append('_');
            }
            out.append(c == '-' || c == ' ' ? '_' : Character.toLowerCase(c));
        }
        return out.toString();
    }

    private static Instant instant(String text) {
        String t = text.trim().replace(' ', 'T');
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (RuntimeException notOffset) {
            try {
                return Instant.parse(t);
            } catch (RuntimeException notInstant) {
                return t.length() == 10 ? LocalDate.parse(t).atStartOfDay().toInstant(ZoneOffset.UTC)
                        : LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
            }
        }
    }

    private static Object cents(Object v) throws CelEvaluationException {
        BigDecimal amount = v instanceof Double d ? BigDecimal.valueOf(d) : new BigDecimal(v.toString().trim());
        try {
            return amount.movePointRight(2).setScale(0, RoundingMode.UNNECESSARY).longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("cents(" + amount.toPlainString() + ") is not a whole number of cents");
        }
    }

    private static String isoDate(String text) {
        String t = text.trim();
        return t.length() == 10 ? LocalDate.parse(t).toString() : LocalDate.ofInstant(instant(t), ZoneOffset.UTC).toString();
    }

    /** JSON text of a CEL value (lists, maps, scalars); NULL becomes JSON null. */
    static String json(Object v) {
        return toJson(v);
    }

    private static String toJson(Object v) {
        try {
            return JSON.writeValueAsString(plain(v));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("toJson: " + e.getOriginalMessage());
        }
    }

    /** CEL values as plain Java values Jackson can write. */
    private static Object plain(Object v) {
        if (isNull(v)) {
            return null;
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            map.forEach((k, val) -> out.put(String.valueOf(k), plain(val)));
            return out;
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(item -> out.add(plain(item)));
            return out;
        }
        if (v instanceof com.google.protobuf.ByteString bs) {
            return bs.toByteArray();
        }
        return v instanceof String || v instanceof Number || v instanceof Boolean ? v : v.toString().toLowerCase(Locale.ROOT);
    }
}
