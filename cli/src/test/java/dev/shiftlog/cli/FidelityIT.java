package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No lost or altered value (issue 9): every PostgreSQL type the producer supports, NULL in every column with and
 * without DEFAULT, edge values, large TOASTed values under REPLICA IDENTITY DEFAULT and a partitioned table, through
 * the snapshot and through CDC. The expected rows are PostgreSQL's own text rendering of the legacy rows
 * ({@link RowsAsText}); nothing of shiftlog computes them.
 */
class FidelityIT {
    /** One column of the every-type table: the same name, type and DEFAULT in legacy and target. */
    private record Col(String name, String type, String dflt) {
        String ddl() {
            return name + " " + type + (dflt == null ? "" : " DEFAULT " + dflt);
        }
    }

    private static final List<Col> COLS = List.of(
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

    private static final String TYPES = """
            CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
            CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
            """;

    private static final String BIG = "(SELECT string_agg(md5(random()::text || g), '') FROM generate_series(1, 3500) g)";

    /** Row id → column → SQL literal; a column not named is an explicit NULL (or DEFAULT where the row says so). */
    private static final Map<Integer, Map<String, String>> ROWS = Map.of(
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

    private static final String SPEC = """
            migration: fidelity
            source: { url: "${SHIFTLOG_SOURCE_URL}", user: "${SHIFTLOG_SOURCE_USER}", password: "${SHIFTLOG_SOURCE_PASSWORD}" }
            target: { url: "${SHIFTLOG_TARGET_URL}", user: "${SHIFTLOG_TARGET_USER}", password: "${SHIFTLOG_TARGET_PASSWORD}" }
            kafka: { bootstrap-servers: "${SHIFTLOG_BOOTSTRAP_SERVERS}", partitions: 3 }
            tables:
              - target: every_type_new
                source: every_type
                columns:
            %s
                  e_tags: { expr: "coalesce(c_text_array, [])" }
                  e_lower: { expr: "c_varchar == null ? null : lower(c_varchar)" }
              - target: big_docs_new
                source: big_docs
                columns: { small: small, big_text: big_text, big_jsonb: big_jsonb, big_array: big_array, big_bytea: big_bytea }
              - target: payments_new
                source: payments
                columns: { region: region, amount: amount, note: note, t: note, e: region }
            """.formatted(COLS.stream().map(c -> "      " + c.name() + ": " + c.name()).collect(Collectors.joining("\n")));

    private static TestServers servers;
    private static InProcessPipeline run;

    @BeforeAll
    static void startPipeline() throws Exception {
        servers = new TestServers("fidelity-it");
        String columns = COLS.stream().map(Col::ddl).collect(Collectors.joining(", "));
        servers.legacySql(TYPES + "CREATE TABLE every_type (id integer PRIMARY KEY, " + columns + ");");
        servers.targetSql(TYPES + "CREATE TABLE every_type_new (id uuid PRIMARY KEY, legacy_id integer NOT NULL UNIQUE, " + columns
                + ", e_tags text[] DEFAULT '{x}', e_lower varchar(20) DEFAULT 'x');");
        insertEveryTypeRow(1, false);
        for (int id = 2; id <= 5; id++) {
            insertEveryTypeRow(id, id == 4);
        }
        servers.legacySql("CREATE TABLE big_docs (id integer PRIMARY KEY, small integer, big_text text, big_jsonb jsonb,"
                + " big_array text[], big_bytea bytea);"
                + " INSERT INTO big_docs SELECT g, g, " + BIG + ", jsonb_build_object('k', " + BIG + "), ARRAY[" + BIG + ", 'x', NULL], decode("
                + BIG + ", 'hex') FROM generate_series(1, 4) g;");
        servers.targetSql("CREATE TABLE big_docs_new (id uuid PRIMARY KEY, legacy_id integer NOT NULL UNIQUE, small integer,"
                + " big_text text DEFAULT 'd', big_jsonb jsonb, big_array text[], big_bytea bytea);");
        servers.legacySql("CREATE TABLE payments (id integer, region text, amount numeric(10,2), note text, PRIMARY KEY (id, region))"
                + " PARTITION BY LIST (region); CREATE TABLE payments_eu PARTITION OF payments FOR VALUES IN ('eu');"
                + " CREATE TABLE payments_us PARTITION OF payments FOR VALUES IN ('us');"
                + " INSERT INTO payments SELECT g, CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END, g * 1.25, 'n' || g FROM generate_series(1, 50) g;");
        servers.targetSql("CREATE TABLE payments_new (id uuid PRIMARY KEY, legacy_id text NOT NULL UNIQUE, region text NOT NULL,"
                + " amount numeric(10,2), note text, t text, e text);"); // t and e: the names verify's own aliases once had
        run = InProcessPipeline.start(servers, "fidelity.yaml", SPEC);
    }

    @AfterAll
    static void stop() throws Exception {
        if (run != null) {
            run.close();
        }
        servers.close();
    }

    private static void insertEveryTypeRow(int id, boolean defaults) throws Exception {
        Map<String, String> values = ROWS.getOrDefault(id, Map.of());
        List<String> literals = new ArrayList<>();
        for (Col c : COLS) {
            literals.add(values.getOrDefault(c.name(), defaults && c.dflt() != null ? "DEFAULT" : "NULL"));
        }
        servers.legacySql("INSERT INTO every_type (id, " + COLS.stream().map(Col::name).collect(Collectors.joining(", "))
                + ") VALUES (" + id + ", " + String.join(", ", literals) + ")");
    }

    /** PostgreSQL's own text of every column; unconstrained numeric with its display scale trimmed (Debezium's). */
    private static String renderings(String keyColumn, String table) {
        String columns = COLS.stream().map(c -> c.name().equals("c_numeric_free") ? "trim_scale(c_numeric_free)::text AS c_numeric_free"
                : c.name() + "::text AS " + c.name()).collect(Collectors.joining(", "));
        return "SELECT " + keyColumn + "::text, " + columns + " FROM " + table;
    }

    private static RowsAsText expectedEveryType() throws Exception {
        return servers.legacyRows(renderings("id", "every_type").replace(" FROM every_type",
                ", coalesce(c_text_array, '{}')::text AS e_tags, lower(c_varchar)::text AS e_lower FROM every_type"));
    }

    private static RowsAsText actualEveryType() throws Exception {
        return servers.targetRows(renderings("legacy_id", "every_type_new").replace(" FROM every_type_new",
                ", e_tags::text, e_lower::text FROM every_type_new"));
    }

    private static void awaitEqual(String what, InProcessPipeline.Rows expected, InProcessPipeline.Rows actual) throws Exception {
        run.awaitEqual(what, expected, actual, Duration.ofSeconds(90));
    }

    private static void assertDlqEmpty() {
        assertThat(run.dlq()).as("rows in the DLQ").isEmpty();
    }

    @Test
    void everyTypeAndEveryNullLandsExactlyThroughSnapshotAndCdc() throws Exception {
        awaitEqual("every_type after the snapshot", FidelityIT::expectedEveryType, FidelityIT::actualEveryType);

        String names = COLS.stream().map(Col::name).collect(Collectors.joining(", "));
        String allNull = COLS.stream().map(c -> c.name() + " = NULL").collect(Collectors.joining(", "));
        String fromRow3 = COLS.stream().map(c -> c.name() + " = s." + c.name()).collect(Collectors.joining(", "));
        servers.legacySql("INSERT INTO every_type (id, " + names + ") SELECT id + 10, " + names + " FROM every_type WHERE id <= 5;"
                + " UPDATE every_type SET c_int = 99 WHERE id = 4;"
                + " UPDATE every_type SET " + allNull + " WHERE id = 2;"
                + " UPDATE every_type t SET " + fromRow3 + " FROM every_type s WHERE s.id = 3 AND t.id = 1;"
                + " DELETE FROM every_type WHERE id = 5;"
                + " UPDATE every_type SET id = 100 WHERE id = 3;"
                + " UPDATE every_type SET c_smallint = 1 WHERE id = 14;");
        awaitEqual("every_type after CDC inserts, updates, a delete and a key change", FidelityIT::expectedEveryType,
                FidelityIT::actualEveryType);
        assertDlqEmpty();
    }

    private static RowsAsText bigDocs(boolean legacy) throws Exception {
        String sql = "SELECT " + (legacy ? "id" : "legacy_id") + "::text, small::text, md5(big_text) AS big_text, md5(big_jsonb::text) AS big_jsonb,"
                + " md5(big_array::text) AS big_array, md5(big_bytea) AS big_bytea, length(big_text)::text AS len FROM "
                + (legacy ? "big_docs" : "big_docs_new");
        return legacy ? servers.legacyRows(sql) : servers.targetRows(sql);
    }

    @Test
    void unchangedToastedValuesAreNeverReplacedByAPlaceholder() throws Exception {
        awaitEqual("big_docs after the snapshot", () -> bigDocs(true), () -> bigDocs(false));
        servers.legacySql("UPDATE big_docs SET small = -1 WHERE id = 1;"
                + " UPDATE big_docs SET big_text = 'small now' WHERE id = 2;"
                + " UPDATE big_docs SET small = -3, big_jsonb = jsonb_build_object('k', " + BIG + ") WHERE id = 3;"
                + " INSERT INTO big_docs SELECT 5, 5, " + BIG + ", '{}', ARRAY[" + BIG + "], NULL;"
                + " UPDATE big_docs SET small = 55 WHERE id = 5;"
                + " UPDATE big_docs SET small = -11 WHERE id = 1;");
        awaitEqual("big_docs after updates of a neighbour, of the large value and of both", () -> bigDocs(true), () -> bigDocs(false));
        assertDlqEmpty();
    }

    private static RowsAsText payments(boolean legacy) throws Exception {
        String sql = legacy ? "SELECT id || '/' || region, region, amount::text, note FROM payments"
                : "SELECT legacy_id, region, amount::text, note FROM payments_new";
        return legacy ? servers.legacyRows(sql) : servers.targetRows(sql);
    }

    @Test
    void aPartitionedTableIsCapturedThroughItsRoot() throws Exception {
        awaitEqual("payments after the snapshot", () -> payments(true), () -> payments(false));
        servers.legacySql("INSERT INTO payments SELECT g, 'eu', g, 'cdc' FROM generate_series(51, 60) g;"
                + " UPDATE payments SET amount = 0.01, note = 'updated' WHERE id = 5;"
                + " UPDATE payments SET region = 'eu', note = 'moved' WHERE id = 7;"
                + " DELETE FROM payments WHERE id = 9;");
        awaitEqual("payments after CDC insert, update, partition move and delete", () -> payments(true), () -> payments(false));
        assertDlqEmpty();

        java.nio.file.Path file = servers.specWithValues(SPEC, "fidelity.yaml");
        CliRun verify = CliRun.operate("verify", file, servers.dir.resolve("work"), "--json");
        assertThat(verify.out()).as("verify ran: " + verify.err()).contains("\"tables\"");
        com.fasterxml.jackson.databind.JsonNode report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(verify.out());
        com.fasterxml.jackson.databind.JsonNode payments = null;
        for (com.fasterxml.jackson.databind.JsonNode t : report.get("tables")) {
            if (t.get("table").asText().equals("payments_new")) {
                payments = t;
            }
        }
        assertThat(payments).as(verify.out() + verify.err()).isNotNull();
        assertThat(payments.get("matching").asLong()).as(verify.out()).isEqualTo(payments(true).rows().size());
        assertThat(payments.get("changed").asLong() + payments.get("missing").asLong() + payments.get("extra").asLong()).isZero();
        assertThat(verify.exitCode()).as("verify of every table, every type: " + report.get("findings")).isZero();
    }
}
