package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code cleanup} (issue 4, S5): a dry run without {@code --confirm}; refused while a worker captures and while verify
 * is not clean; then backs up exactly what it drops (checksums recorded), drops the legacy-key column, a legacy table
 * and the replication slot and publication, and {@code restore --from} puts the column (values, NOT NULL, unique
 * constraint) and the table back.
 */
class CleanupIT {
    private static final int ROWS = 2_000;
    private static TestServers servers;
    private static Path specFile;
    private static MigrationDef spec;

    @BeforeAll
    static void startServers() throws Exception {
        servers = new TestServers("cleanup-it");
        servers.legacySql(ItemsScenario.LEGACY_DDL);
        servers.legacySql(ItemsScenario.insert(1, ROWS));
        servers.targetSql(ItemsScenario.TARGET_DDL);
        servers.targetSql("CREATE TABLE v1_items (id int PRIMARY KEY, note text); "
                + "INSERT INTO v1_items SELECT g, 'v1 row ' || g FROM generate_series(1, 50) g");
        specFile = servers.specWithValues(ItemsScenario.SPEC + """
                cleanup:
                  drop-columns: [items_new.legacy_id]
                  drop-tables: [v1_items]
                """, "items.yaml");
        spec = new SpecParser(Map.of()).parse(specFile);
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    private CliRun cleanup(String... extra) {
        return CliRun.operate("cleanup", specFile, servers.dir.resolve("work"), extra);
    }

    private static String checksum(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static final String LEGACY_IDS = "SELECT md5(string_agg(id::text || ':' || legacy_id, ',' ORDER BY id)) FROM items_new";
    private static final String V1_ROWS = "SELECT md5(string_agg(id || ':' || note, ',' ORDER BY id)) FROM v1_items";

    @Test
    void shouldDropOnlyAfterACleanVerifyAndABackupOfExactlyWhatItDrops() throws Exception {
        Path work = servers.dir.resolve("work");
        try (KafkaEndpoint kafka = KafkaEndpoint.open(spec, Map.of(), work); Pipeline pipeline = new Pipeline();
             Connection target = servers.target.connect("app")) {
            pipeline.start(spec, kafka, work, EnumSet.allOf(Pipeline.Stage.class), (t, u, d) -> { });
            await().atMost(Duration.ofMinutes(2)).until(() -> TestServers.scalar(target, "SELECT count(*) FROM items_new") == ROWS);

            CliRun dryRun = cleanup();
            assertThat(dryRun.exitCode()).as(dryRun.err()).isZero();
            assertThat(dryRun.out()).contains("column public.items_new.legacy_id (bigint, " + ROWS + " rows)")
                    .contains("table public.v1_items (50 rows)").contains("replication slot and publication shiftlog_items")
                    .contains("dry run: nothing was dropped");

            CliRun whileCapturing = cleanup("--confirm");
            assertThat(whileCapturing.exitCode()).isEqualTo(2);
            assertThat(whileCapturing.err()).contains("the replication slot shiftlog_items is in use by process")
                    .contains("Stop the workers");
        }
        try (Connection target = servers.target.connect("app"); Connection legacy = servers.legacy.connect("legacy")) {
            String legacyIdsBefore = checksum(target, LEGACY_IDS);
            String v1Before = checksum(target, V1_ROWS);

            String name = checksum(target, "SELECT name FROM items_new WHERE legacy_id = 5");
            try (Statement s = target.createStatement()) {
                s.execute("UPDATE items_new SET name = 'tampered' WHERE legacy_id = 5");
            }
            CliRun dirty = cleanup("--confirm");
            assertThat(dirty.exitCode()).as(dirty.out() + dirty.err()).isEqualTo(1);
            assertThat(dirty.err()).contains("cleanup refuses: verify is not clean (1 finding(s) above)");
            assertThat(dirty.out()).contains("column name: expected");
            assertThat(TestServers.scalar(target, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items_new' "
                    + "AND column_name = 'legacy_id'")).as("nothing dropped").isEqualTo(1);
            try (var ps = target.prepareStatement("UPDATE items_new SET name = ? WHERE legacy_id = 5")) {
                ps.setString(1, name);
                ps.executeUpdate();
            }

            CliRun run = cleanup("--confirm");
            assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
            assertThat(run.out()).contains("verify: CLEAN").contains("dropped column public.items_new.legacy_id")
                    .contains("dropped table public.v1_items").contains("dropped replication slot shiftlog_items")
                    .contains("dropped publication shiftlog_items").contains("to undo: shiftlog restore -f");
            assertThat(TestServers.scalar(target, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items_new' "
                    + "AND column_name = 'legacy_id'")).isZero();
            assertThat(TestServers.scalar(target, "SELECT count(*) FROM pg_tables WHERE tablename = 'v1_items'")).isZero();
            assertThat(TestServers.scalar(legacy, "SELECT (SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'shiftlog_items') "
                    + "+ (SELECT count(*) FROM pg_publication WHERE pubname = 'shiftlog_items')")).isZero();
            assertThat(TestServers.scalar(target, "SELECT count(*) FROM shiftlog_runs WHERE event = 'cleanup'")).isEqualTo(1);
            assertThat(TestServers.scalar(target, "SELECT count(*) FROM shiftlog_runs WHERE event = 'cleanup-refused'")).isEqualTo(1);

            // the manifest records both backups with the checksums of the files as they are
            List<JsonNode> records = Files.readAllLines(work.resolve("backups").resolve("backups.jsonl")).stream()
                    .map(line -> { try { return new ObjectMapper().readTree(line); } catch (Exception e) { throw new IllegalStateException(e); } })
                    .toList();
            assertThat(records).extracting(r -> r.get("reason").asText()).containsExactly("cleanup-tables", "cleanup-columns");
            for (JsonNode r : records) {
                byte[] bytes = Files.readAllBytes(Path.of(r.get("file").asText()));
                assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))).isEqualTo(r.get("sha256").asText());
            }
            String columnsScript = Files.readString(Path.of(records.get(1).get("file").asText()));
            assertThat(columnsScript).contains("ALTER TABLE \"public\".\"items_new\" ADD COLUMN \"legacy_id\" bigint;")
                    .contains("SET NOT NULL").contains("UNIQUE (legacy_id)");
            assertThat(columnsScript.lines().filter(l -> l.matches("[0-9a-f-]{36}\t\\d+")).count()).as("one line per row").isEqualTo(ROWS);

            // the undo: both backups restore, and the values, NOT NULL and the unique constraint are back
            for (JsonNode r : records) {
                CliRun restore = CliRun.of("restore", "-f", specFile.toString(), "--work-dir=" + work, "--from", r.get("file").asText());
                assertThat(restore.exitCode()).as(restore.err()).isZero();
            }
            assertThat(checksum(target, LEGACY_IDS)).isEqualTo(legacyIdsBefore);
            assertThat(checksum(target, V1_ROWS)).isEqualTo(v1Before);
            assertThat(TestServers.scalar(target, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'items_new'::regclass "
                    + "AND attname = 'legacy_id' AND attnotnull")).isEqualTo(1);
            assertThat(TestServers.scalar(target, "SELECT count(*) FROM pg_constraint WHERE conrelid = 'items_new'::regclass "
                    + "AND contype = 'u'")).isEqualTo(1);
        }
    }
}
