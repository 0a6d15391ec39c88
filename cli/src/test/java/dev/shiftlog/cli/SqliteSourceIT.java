package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.schemas.TopicNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A SQLite legacy database (issue 13). Chinook's SQLite file, read in place from ../shared/datasets, migrates into
 * PostgreSQL tables created by Chinook's own PostgreSQL script and must end identical, row by row, to the same tables
 * loaded from that script into another database — the oracle, written by Chinook's authors, not by shiftlog. A small
 * SQLite file of the test's own then shows re-runs: after an insert, an update and a delete the next run sends exactly
 * those three changes, and a value that fits no type rule goes to the DLQ; expected rows are SQL over the SQLite file.
 */
class SqliteSourceIT {
    private static final Path DATASET = Path.of("../../shared/datasets/chinook");
    /** SQLite tables in the order the spec lists them, with their primary keys. */
    private static final Map<String, List<String>> TABLES = new LinkedHashMap<>();

    static {
        TABLES.put("Artist", List.of("ArtistId"));
        TABLES.put("Album", List.of("AlbumId"));
        TABLES.put("Genre", List.of("GenreId"));
        TABLES.put("MediaType", List.of("MediaTypeId"));
        TABLES.put("Track", List.of("TrackId"));
        TABLES.put("Employee", List.of("EmployeeId"));
        TABLES.put("Customer", List.of("CustomerId"));
        TABLES.put("Invoice", List.of("InvoiceId"));
        TABLES.put("InvoiceLine", List.of("InvoiceLineId"));
        TABLES.put("Playlist", List.of("PlaylistId"));
        TABLES.put("PlaylistTrack", List.of("PlaylistId", "TrackId"));
    }

    private static TestServers servers;
    private static Path sqlite;
    private static String spec;

    @BeforeAll
    static void start() throws Exception {
        servers = new TestServers("sqlite-source-it");
    }

    /** The oracle (Chinook's PostgreSQL script, loaded into the legacy server) and the target tables it creates. */
    private static void loadChinook() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DATASET), "the Chinook dataset is not beside the project (../shared/datasets)");
        sqlite = DATASET.resolve("Chinook_Sqlite.sqlite").toAbsolutePath().normalize(); // read in place, read-only
        String script = Files.readString(DATASET.resolve("Chinook_PostgreSql.sql"));
        script = script.substring(script.indexOf('\n', script.indexOf("\\c ")) + 1); // after its CREATE DATABASE and \c
        // PostgreSQL reads the script's N'…' literals as character(n), whose trailing blanks are dropped on the way into
        // varchar: loaded as written, customer 54's city would be 'Edinburgh' where the SQLite file (and so the target)
        // keeps 'Edinburgh '. Plain literals keep every character, as the script's authors wrote them.
        script = script.replaceAll("([(,]\\s*)N'", "$1'");
        servers.legacySql(script); // the oracle: Chinook's tables as its PostgreSQL script loads them
        // the target: the same tables, without the foreign keys (the spec lands tables in any order but the link table)
        Matcher create = Pattern.compile("CREATE TABLE \\w+\\s*\\((?:.|\\n)*?\\);").matcher(script);
        StringBuilder ddl = new StringBuilder();
        while (create.find()) {
            ddl.append(create.group()).append('\n');
        }
        servers.targetSql(ddl.toString());
        spec = spec();
    }

    @AfterAll
    static void stop() throws Exception {
        if (servers != null) {
            servers.close();
        }
    }

    private static String snake(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase();
    }

    /** The spec: every Chinook table under its PostgreSQL script's name, ids preserved, each column renamed to snake_case. */
    private static String spec() throws Exception {
        StringBuilder out = new StringBuilder("""
                migration: chinook_sqlite
                source: { url: "jdbc:sqlite:%s", poll: 1s }
                target: { url: "${SHIFTLOG_TARGET_URL}", user: postgres, password: "${SHIFTLOG_TARGET_PASSWORD}" }
                kafka: { bootstrap-servers: "${SHIFTLOG_BOOTSTRAP_SERVERS}", partitions: 4 }
                tables:
                """.formatted(sqlite.toAbsolutePath()));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite)) {
            for (var t : TABLES.entrySet()) {
                out.append("  - target: ").append(snake(t.getKey())).append("\n    source: ").append(t.getKey()).append('\n');
                if (t.getValue().size() > 1) { // the link table: keyed by the two ids it links
                    out.append("    key: [playlist_id, track_id]\n    columns:\n")
                            .append("      playlist_id: { ref: playlist, from: PlaylistId }\n")
                            .append("      track_id: { ref: track, from: TrackId }\n");
                    continue;
                }
                out.append("    id: preserve\n    key: ").append(snake(t.getValue().get(0))).append("\n    legacy-key: shiftlog_id_map\n    columns:\n");
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(\"" + t.getKey() + "\")")) {
                    while (rs.next()) {
                        if (!t.getValue().contains(rs.getString("name"))) {
                            out.append("      ").append(snake(rs.getString("name"))).append(": ").append(rs.getString("name")).append('\n');
                        }
                    }
                }
            }
        }
        return out.toString();
    }

    /** Every row of a table as PostgreSQL renders it, keyed by its primary key. */
    private static String rowsOf(String table) {
        List<String> key = TABLES.get(table).stream().map(SqliteSourceIT::snake).toList();
        return "SELECT " + String.join(" || '/' || ", key.stream().map(k -> k + "::text").toList()) + ", * FROM " + snake(table);
    }

    private static void awaitIdentical(InProcessPipeline run, String when) throws Exception {
        for (String table : TABLES.keySet()) {
            run.awaitEqual(snake(table) + " " + when, () -> servers.legacyRows(rowsOf(table)), () -> servers.targetRows(rowsOf(table)),
                    Duration.ofMinutes(2));
        }
    }

    /** Records in a source topic, all partitions together. */
    private static long sourceRecords(String migration, String table) throws Exception {
        return servers.records(java.util.List.of(new TopicNames(migration).source("main", table)));
    }

    @Test
    void shouldMigrateChinooksSqliteFileIdenticalToTheTablesItsPostgresScriptLoads() throws Exception {
        loadChinook();
        try (InProcessPipeline run = InProcessPipeline.start(servers, "chinook-sqlite.yaml", spec)) {
            awaitIdentical(run, "after the first read");
            assertThat(run.dlq()).as("nothing refused").isEmpty();
        }
        CliRun verify = CliRun.operate("verify", servers.specWithValues(spec, "chinook-sqlite.yaml"), servers.dir.resolve("work"));
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).contains("CLEAN");
    }

    /** A small SQLite file of the test's own, since the dataset in ../shared is not to be written. */
    private static final String EDITS_SPEC = """
            migration: sqlite_edits
            success-rate: 80
            source: { url: "jdbc:sqlite:%s", poll: 1s }
            target: { url: "${SHIFTLOG_TARGET_URL}", user: postgres, password: "${SHIFTLOG_TARGET_PASSWORD}" }
            kafka: { bootstrap-servers: "${SHIFTLOG_BOOTSTRAP_SERVERS}", partitions: 4 }
            tables:
              - target: sqlite_items
                source: items
                id: preserve
                legacy-key: shiftlog_id_map
                columns: { name: name, price: price, sold_at: sold_at }
            """;
    /** The legacy rows as SQLite itself renders them, and the target's as PostgreSQL does, in the same text. */
    private static final String LEGACY_ITEMS = "SELECT id, name, CASE WHEN price IS NOT NULL THEN printf('%.2f', price) END AS price, sold_at FROM items";
    private static final String TARGET_ITEMS = "SELECT id, name, price::text AS price, to_char(sold_at, 'YYYY-MM-DD HH24:MI:SS') AS sold_at"
            + " FROM sqlite_items";

    @Test
    void shouldSendOnlyWhatChangedSinceThePreviousRunAndRefuseAValueThatFitsNoRule() throws Exception {
        Path file = servers.dir.resolve("edits.sqlite");
        SqliteFile legacy = new SqliteFile(file);
        legacy.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(10,2), sold_at DATETIME)");
        legacy.exec("INSERT INTO items VALUES (1, 'lamp', 19.99, '2024-03-01 10:00:00'), (2, 'desk', 120, '2024-03-02 11:30:00'),"
                + " (3, 'chair', 0.5, NULL), (4, 'rug', NULL, '2024-03-04 09:15:00')");
        servers.targetSql("CREATE TABLE sqlite_items (id bigint PRIMARY KEY, name text NOT NULL, price numeric(10,2), sold_at timestamp)");
        String edits = EDITS_SPEC.formatted(file.toAbsolutePath());
        try (InProcessPipeline run = InProcessPipeline.start(servers, "edits.yaml", edits)) {
            run.awaitEqual("items after the first read", () -> legacy.rows(LEGACY_ITEMS), () -> servers.targetRows(TARGET_ITEMS),
                    Duration.ofMinutes(2));
        }
        long before = sourceRecords("sqlite_edits", "items");
        assertThat(before).as("the first read: one record per row").isEqualTo(4);

        // while nothing runs: an insert, an update, a delete, an update to the same value, and a word in an INTEGER key
        // column's neighbour: a price that is no number
        legacy.exec("INSERT INTO items VALUES (5, 'shelf', 45.10, '2024-03-05 08:00:00')");
        legacy.exec("UPDATE items SET name = 'floor lamp' WHERE id = 1");
        legacy.exec("DELETE FROM items WHERE id = 3");
        legacy.exec("UPDATE items SET name = 'desk' WHERE id = 2");
        legacy.exec("INSERT INTO items VALUES (6, 'mystery', 'cheap', NULL)");

        try (InProcessPipeline run = InProcessPipeline.start(servers, "edits.yaml", edits)) {
            run.awaitEqual("items after the edits and a new run", () -> legacy.rows(LEGACY_ITEMS + " WHERE id <> 6"),
                    () -> servers.targetRows(TARGET_ITEMS), Duration.ofMinutes(2));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(run.dlq()).containsOnlyKeys("sqlite_items"));
            assertThat(run.dlq().get("sqlite_items")).containsOnlyKeys("6").hasEntrySatisfying("6", reason -> assertThat(reason)
                    .isEqualTo("sqlite type: items.price: 'cheap' (text) is not numeric(10,2) (read as numeric(10,2); a rule under"
                            + " source.types reads it otherwise)"));
        }
        assertThat(sourceRecords("sqlite_edits", "items") - before)
                .as("records the second run sent: the insert, the update and the delete only").isEqualTo(3);

        // verify reads the file through the capture's own type rules: clean, the refused row accounted for in the DLQ
        CliRun verify = CliRun.operate("verify", servers.specWithValues(edits, "edits.yaml"), servers.dir.resolve("work"));
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).contains("CLEAN");
    }
}
