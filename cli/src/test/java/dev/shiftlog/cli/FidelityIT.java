package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static dev.shiftlog.cli.EveryTypeTable.BIG;
import static dev.shiftlog.cli.EveryTypeTable.COLS;
import static dev.shiftlog.cli.EveryTypeTable.TYPES;

import java.time.Duration;
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
        String columns = COLS.stream().map(EveryTypeTable.Col::ddl).collect(Collectors.joining(", "));
        servers.legacySql(EveryTypeTable.legacyDdl("every_type"));
        servers.targetSql(TYPES + "CREATE TABLE every_type_new (id uuid PRIMARY KEY, legacy_id integer NOT NULL UNIQUE, " + columns
                + ", e_tags text[] DEFAULT '{x}', e_lower varchar(20) DEFAULT 'x');");
        EveryTypeTable.insertRow(servers, 1, false);
        for (int id = 2; id <= 5; id++) {
            EveryTypeTable.insertRow(servers, id, id == 4);
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

        String names = COLS.stream().map(EveryTypeTable.Col::name).collect(Collectors.joining(", "));
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
