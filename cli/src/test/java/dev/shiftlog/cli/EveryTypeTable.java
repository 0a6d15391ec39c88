package dev.shiftlog.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The legacy table with a column of every PostgreSQL type the producer supports, with and without DEFAULT, and the
 * rows that put NULL and edge values into each: shared by the fidelity test (target equals legacy) and the type-table
 * test (the producer's and verify's readings agree).
 */
final class EveryTypeTable {
    private EveryTypeTable() {}

    /** One column of the every-type table: the same name, type and DEFAULT in legacy and target. */
    record Col(String name, String type, String dflt) {
        String ddl() {
            return name + " " + type + (dflt == null ? "" : " DEFAULT " + dflt);
        }
    }

    static final List<Col> COLS = List.of(
            new Col("c_smallint", "smallint", null), new Col("c_int", "integer", null), new Col("c_bigint", "bigint", null),
            new Col("c_numeric", "numeric(12,2)", null), new Col("c_numeric_free", "numeric", null),
            new Col("c_real", "real", null), new Col("c_double", "double precision", null),
            new Col("c_bool", "boolean", null), new Col("c_text", "text", null), new Col("c_varchar", "varchar(20)", null),
            new Col("c_char", "char(5)", null), new Col("c_bytea", "bytea", null), new Col("c_date", "date", null),
            new Col("c_time", "time", null), new Col("c_timestamp", "timestamp", null),
            new Col("c_timestamptz", "timestamptz", null), new Col("c_interval", "interval", null),
            new Col("c_uuid", "uuid", null), new Col("c_json", "json", null), new Col("c_jsonb", "jsonb", null),
            new Col("c_enum", "mood", null), new Col("c_domain", "posint", null), new Col("c_text_array", "text[]", null),
            new Col("c_int_array", "integer[]", null), new Col("c_tsvector", "tsvector", null), new Col("c_inet", "inet", null),
            new Col("d_text", "text", "'G'"), new Col("d_int", "integer", "42"), new Col("d_bool", "boolean", "true"),
            new Col("d_ts", "timestamptz", "now()"), new Col("d_date", "date", "CURRENT_DATE"),
            new Col("d_numeric", "numeric(5,1)", "1.5"), new Col("d_enum", "mood", "'ok'"),
            new Col("d_array", "text[]", "'{a}'"), new Col("d_jsonb", "jsonb", "'{}'"), new Col("d_uuid", "uuid", "gen_random_uuid()"));

    static final String TYPES = """
            CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
            CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
            """;

    static final String BIG = "(SELECT string_agg(md5(random()::text || g), '') FROM generate_series(1, 3500) g)";

    /** Row id → column → SQL literal; a column not named is an explicit NULL (or DEFAULT where the row says so). */
    static final Map<Integer, Map<String, String>> ROWS = Map.of(
            2, Map.ofEntries(Map.entry("c_smallint", "12"), Map.entry("c_int", "123456"), Map.entry("c_bigint", "9007199254740993"),
                    Map.entry("c_numeric", "1234.50"), Map.entry("c_numeric_free", "3.14159265358979323846264338327950288"),
                    Map.entry("c_real", "1.5"), Map.entry("c_double", "2.718281828459045"), Map.entry("c_bool", "true"),
                    Map.entry("c_text", "'hello, world'"), Map.entry("c_varchar", "'short'"), Map.entry("c_char", "'ab'"),
                    Map.entry("c_bytea", "'\\xdeadbeef'"), Map.entry("c_date", "'2024-02-29'"), Map.entry("c_time", "'13:45:12.345678'"),
                    Map.entry("c_timestamp", "'2024-03-31 02:30:00.000001'"), Map.entry("c_timestamptz", "'2024-06-01 12:00:00.123456+02'"),
                    Map.entry("c_interval", "'1 year 2 mons 3 days 04:05:06.789'"), Map.entry("c_uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"),
                    Map.entry("c_json", "'{\"b\": 1,  \"a\": [1, 2]}'"), Map.entry("c_jsonb", "'{\"b\": 1, \"a\": [1, 2.50, null, \"x\"]}'"),
                    Map.entry("c_enum", "'happy'"), Map.entry("c_domain", "7"), Map.entry("c_text_array", "ARRAY['a', 'b,c', '\"q\"', NULL]"),
                    Map.entry("c_int_array", "ARRAY[1, NULL, 3]"), Map.entry("c_tsvector", "'a fat cat'"), Map.entry("c_inet", "'192.168.0.1/24'"),
                    Map.entry("d_text", "'R'"), Map.entry("d_int", "0"), Map.entry("d_bool", "false"), Map.entry("d_ts", "'2001-02-03 04:05:06+00'"),
                    Map.entry("d_date", "'2001-02-03'"), Map.entry("d_numeric", "-0.5"), Map.entry("d_enum", "'sad'"),
                    Map.entry("d_array", "'{}'"), Map.entry("d_jsonb", "'[]'"), Map.entry("d_uuid", "'00000000-0000-0000-0000-000000000001'")),
            3, Map.ofEntries(Map.entry("c_smallint", "-32768"), Map.entry("c_int", "-2147483648"), Map.entry("c_bigint", "9223372036854775807"),
                    Map.entry("c_numeric", "-9999999999.99"), Map.entry("c_numeric_free", "0.000000000000000001"),
                    Map.entry("c_real", "3.4028235e38"), Map.entry("c_double", "'-Infinity'"), Map.entry("c_bool", "false"),
                    Map.entry("c_text", "''"), Map.entry("c_varchar", "'Émile ✓ 🚀'"), Map.entry("c_char", "''"),
                    Map.entry("c_bytea", "'\\x00ff00'"), Map.entry("c_date", "'0001-01-01'"), Map.entry("c_time", "'23:59:59.999999'"),
                    Map.entry("c_timestamp", "'0001-01-01 00:00:00'"), Map.entry("c_timestamptz", "'1969-12-31 23:59:59.999999+00'"),
                    Map.entry("c_interval", "'-1 days +02:03:00'"), Map.entry("c_uuid", "'00000000-0000-0000-0000-000000000000'"),
                    Map.entry("c_json", "'[]'"), Map.entry("c_jsonb", "'{}'"), Map.entry("c_enum", "'sad'"), Map.entry("c_domain", "2147483647"),
                    Map.entry("c_text_array", "'{}'"), Map.entry("c_int_array", "'{}'"), Map.entry("c_tsvector", "''"), Map.entry("c_inet", "'::1'"),
                    Map.entry("d_text", "''"), Map.entry("d_array", "ARRAY[NULL]::text[]")),
            4, Map.of("c_int", "4", "c_text", BIG, "c_bytea", "decode(" + BIG + ", 'hex')", "c_jsonb", "jsonb_build_object('big', " + BIG + ")",
                    "c_text_array", "ARRAY[" + BIG + ", NULL]", "c_json", "json_build_object('big', " + BIG + ")"),
            5, Map.of("c_text", "E'tab\\there\\nnewline \\\\ backslash \\\\N \\r'", "c_time", "'24:00:00'",
                    "c_text_array", "ARRAY[E'tab\\t', 'NULL', '', ' ']", "c_timestamptz", "'2024-03-31 01:30:00+00'",
                    "c_date", "'9999-12-31'", "c_timestamp", "'9999-12-31 23:59:59.999999'", "c_real", "'NaN'", "c_double", "5e-324"));

    /** The legacy table's DDL, the types it needs first. */
    static String legacyDdl(String table) {
        return TYPES + "CREATE TABLE " + table + " (id integer PRIMARY KEY, " + COLS.stream().map(Col::ddl).collect(Collectors.joining(", ")) + ");";
    }

    /** Row {@code id} of {@link #ROWS}; with {@code defaults}, the columns it leaves out take their DEFAULT instead of NULL. */
    static void insertRow(TestServers servers, int id, boolean defaults) throws Exception {
        insertRow(servers, id, id, defaults);
    }

    /** Row {@code id} with the values of row {@code valuesOf} of {@link #ROWS}. */
    static void insertRow(TestServers servers, int id, int valuesOf, boolean defaults) throws Exception {
        Map<String, String> values = ROWS.getOrDefault(valuesOf, Map.of());
        List<String> literals = new ArrayList<>();
        for (Col c : COLS) {
            literals.add(values.getOrDefault(c.name(), defaults && c.dflt() != null ? "DEFAULT" : "NULL"));
        }
        servers.legacySql("INSERT INTO every_type (id, " + COLS.stream().map(Col::name).collect(Collectors.joining(", "))
                + ") VALUES (" + id + ", " + String.join(", ", literals) + ")");
    }
}
