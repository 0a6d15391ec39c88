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
 * A SQLite legacy database (issue 13): Chinook's SQLite file (../shared/datasets, copied under target/ so it can be
 * edited) migrates into PostgreSQL tables created by Chinook's own PostgreSQL script, and must end identical, row by
 * row, to the same tables loaded from that script into another database — the oracle, written by Chinook's authors,
 * not by shiftlog. Then the pipeline stops, the SQLite file gets an insert, an update and a delete (mirrored in the
 * oracle), and the next run sends exactly those three changes; a value that fits no type rule goes to the DLQ.
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
        Assumptions.assumeTrue(Files.isDirectory(DATASET), "the Chinook dataset is not beside the project (../shared/datasets)");
        servers = new TestServers("sqlite-source-it");
        sqlite = servers.dir.resolve("chinook.sqlite");
        Files.copy(DATASET.resolve("Chinook_Sqlite.sqlite"), sqlite);
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
                success-rate: 99.9
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

    /** Records in the source topics, all partitions together. */
    private static long sourceRecords() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers.kafka.bootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
            for (String table : TABLES.keySet()) {
                for (int p = 0; p < 4; p++) {
                    request.put(new TopicPartition(new TopicNames("chinook_sqlite").source("main", table), p), OffsetSpec.latest());
                }
            }
            return admin.listOffsets(request).all().get().values().stream().mapToLong(o -> o.offset()).sum();
        }
    }

    private static void sqlite(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite); Statement s = c.createStatement()) {
            s.executeUpdate(sql);
        }
    }

    @Test
    void shouldMigrateChinooksSqliteFileIdenticalToItsPostgresScriptThenSendOnlyWhatChanged() throws Exception {
        try (InProcessPipeline run = InProcessPipeline.start(servers, "chinook-sqlite.yaml", spec)) {
            awaitIdentical(run, "after the first read");
            assertThat(run.dlq()).as("nothing refused").isEmpty();
        }
        long before = sourceRecords();

        // while nothing runs: an insert, an update and a delete in SQLite, the same in the oracle; and a value that
        // fits no rule (a word in an INTEGER column), which the oracle's int column could not even hold
        sqlite("INSERT INTO Artist (ArtistId, Name) VALUES (276, 'Ñandú & the Übers')");
        servers.legacySql("INSERT INTO artist (artist_id, name) VALUES (276, 'Ñandú & the Übers')");
        sqlite("UPDATE Track SET Name = 'Balls to the Wall (live)' WHERE TrackId = 2");
        servers.legacySql("UPDATE track SET name = 'Balls to the Wall (live)' WHERE track_id = 2");
        sqlite("DELETE FROM InvoiceLine WHERE InvoiceLineId = 7");
        servers.legacySql("DELETE FROM invoice_line WHERE invoice_line_id = 7");
        sqlite("UPDATE Genre SET Name = 'Jazz' WHERE GenreId = 2"); // the same value: no change at all
        sqlite("INSERT INTO Track (TrackId, Name, MediaTypeId, Milliseconds, UnitPrice) VALUES (3504, 'Endless', 1, 'forever', 0.99)");

        try (InProcessPipeline run = InProcessPipeline.start(servers, "chinook-sqlite.yaml", spec)) {
            awaitIdentical(run, "after the edits and a new run");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(run.dlq()).containsOnlyKeys("track"));
            assertThat(run.dlq().get("track")).hasSize(1).hasEntrySatisfying("3504", reason -> assertThat(reason)
                    .startsWith("sqlite type: Track.Milliseconds: 'forever' (text) is not integer"));
        }
        assertThat(sourceRecords() - before).as("records the second run sent: the insert, the update and the delete only")
                .isEqualTo(3);

        // verify reads the SQLite file through the capture's own type rules: clean, the refused row accounted for
        CliRun verify = CliRun.operate("verify", servers.specWithValues(spec, "chinook-sqlite.yaml"), servers.dir.resolve("work"));
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).contains("CLEAN");
    }
}
