package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code cutover} on a running migration while the legacy database keeps taking writes returns only after the last
 * write landed (issue 4), and {@code status --json} then reports zero lag and landed = expected.
 */
class CutoverIT {
    private static final int INITIAL = 5_000;
    private static TestServers servers;
    private static Path specFile;
    private static MigrationDef spec;

    @BeforeAll
    static void startServers() throws Exception {
        servers = new TestServers("cutover-it");
        servers.legacySql(ItemsScenario.LEGACY_DDL);
        servers.legacySql(ItemsScenario.insert(1, INITIAL));
        servers.targetSql(ItemsScenario.TARGET_DDL);
        specFile = servers.specWithValues(ItemsScenario.SPEC, "items.yaml");
        spec = new SpecParser(Map.of()).parse(specFile);
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    @Test
    void shouldReturnOnlyAfterTheLastConcurrentWriteLandedAndStatusShouldShowZeroLag() throws Exception {
        Path work = servers.dir.resolve("work");
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong lastId = new AtomicLong(INITIAL);
        try (KafkaEndpoint kafka = KafkaEndpoint.open(spec, Map.of(), work); Pipeline pipeline = new Pipeline()) {
            pipeline.start(spec, kafka, work, EnumSet.allOf(Pipeline.Stage.class), (t, u, d) -> { });
            Thread writer = new Thread(() -> {
                try (Connection legacy = servers.legacy.connect("legacy"); Statement s = legacy.createStatement()) {
                    while (writing.get()) {
                        long from = lastId.get() + 1;
                        s.execute(ItemsScenario.insert(from, from + 19) + "; UPDATE items SET name = name || '+' WHERE id = " + (from - 7));
                        lastId.set(from + 19);
                        Thread.sleep(20);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "legacy-writer");
            writer.start();
            Thread.sleep(6_000); // the snapshot and the first streamed writes are under way

            // a cutover started while writes still arrive waits for all it saw; the last write before it must land
            writing.set(false);
            writer.join();
            long last = lastId.get();
            CliRun cutover = CliRun.of("cutover", "-f", specFile.toString(), "--work-dir", work.toString(), "--timeout", "PT3M");
            assertThat(cutover.exitCode()).as(cutover.out() + cutover.err()).isZero();
            assertThat(cutover.out()).containsPattern("SYNC POINT: legacy LSN [0-9A-F]+/[0-9A-F]+ landed and verified at ")
                    .contains("CLEAN").contains("Next steps").contains("target readied for the application:").contains("ANALYZE of 1 table(s): items_new");
            try (Connection target = servers.target.connect("app"); Connection legacy = servers.legacy.connect("legacy")) {
                assertThat(TestServers.scalar(target, "SELECT count(*) FROM items_new WHERE legacy_id = " + last))
                        .as("the last legacy write is in the target when cutover returns").isEqualTo(1);
                assertThat(TestServers.scalar(target, "SELECT count(*) FROM items_new")).isEqualTo(last)
                        .isEqualTo(TestServers.scalar(legacy, "SELECT count(*) FROM items"));
                assertThat(TestServers.scalar(target, "SELECT count(*) FROM shiftlog_runs WHERE event = 'cutover'")).isEqualTo(1);
            }

            CliRun status = CliRun.of("status", "-f", specFile.toString(), "--work-dir", work.toString(), "--json");
            assertThat(status.exitCode()).as(status.err()).isZero();
            JsonNode report = new ObjectMapper().readTree(status.out());
            assertThat(report.get("totalLag").asLong()).isZero();
            assertThat(report.get("caughtUp").asBoolean()).isTrue();
            assertThat(report.get("cdcDelayMs").asLong()).isZero();
            JsonNode items = report.get("tables").get(0);
            assertThat(items.get("table").asText()).isEqualTo("items_new");
            assertThat(items.get("landed").asLong()).isEqualTo(last).isEqualTo(items.get("expected").asLong());
            assertThat(items.get("captured").asLong()).isEqualTo(items.get("transformed").asLong()).isGreaterThan(last);
            assertThat(report.get("lag")).isNotEmpty().allSatisfy(p -> assertThat(p.get("lag").asLong()).isZero());

            CliRun frame = CliRun.of("status", "-f", specFile.toString(), "--work-dir", work.toString());
            assertThat(frame.out()).contains("CAUGHT UP").containsPattern("items_new \\[█{30}] 100%");

            // the final report: written at cutover, and printed again after a backup, with the trail's figures
            assertThat(cutover.out()).contains("migration report written to");
            try (java.util.stream.Stream<Path> reports = java.nio.file.Files.list(work.resolve("reports"))) {
                assertThat(reports.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".json")).anyMatch(n -> n.endsWith(".txt"));
            }
            CliRun backup = CliRun.of("backup", "-f", specFile.toString(), "--work-dir", work.toString());
            assertThat(backup.exitCode()).as(backup.out() + backup.err()).isZero();
            CliRun reportRun = CliRun.of("report", "-f", specFile.toString(), "--work-dir", work.toString(), "--json");
            assertThat(reportRun.exitCode()).as(reportRun.err()).isZero();
            JsonNode migration = new ObjectMapper().readTree(reportRun.out());
            String lsn = java.util.regex.Pattern.compile("SYNC POINT: legacy LSN (\\S+)").matcher(cutover.out()).results()
                    .findFirst().orElseThrow().group(1);
            try (Connection target = servers.target.connect("app"); Connection legacy = servers.legacy.connect("legacy")) {
                assertThat(migration.at("/syncPoint/lsn").asText()).isEqualTo(lsn)
                        .isEqualTo(text(target, "SELECT details->>'lsn' FROM shiftlog_runs WHERE event = 'cutover'"));
                JsonNode line = migration.get("tables").get(0);
                assertThat(line.get("table").asText()).isEqualTo("items_new");
                assertThat(line.get("legacyRows").asLong()).isEqualTo(TestServers.scalar(legacy, "SELECT count(*) FROM items"));
                assertThat(line.get("landed").asLong()).isEqualTo(TestServers.scalar(target, "SELECT count(*) FROM items_new"));
                assertThat(line.get("dlq").asLong()).isZero();
                assertThat(migration.at("/verified/clean").asBoolean()).isTrue();
                assertThat(migration.get("snapshot")).extracting(n -> n.get("rows").asLong()).containsExactly(
                        TestServers.scalar(target, "SELECT (details->>'rows')::bigint FROM shiftlog_runs WHERE event = 'snapshot-done'"));
            }
            JsonNode backedUp = migration.get("backups").get(0);
            byte[] dump = java.nio.file.Files.readAllBytes(Path.of(backedUp.get("file").asText()));
            assertThat(backedUp.get("sha256").asText()).as("the backup's checksum, computed here from the file")
                    .isEqualTo(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(dump)));
            assertThat(migration.get("phases")).extracting(p -> p.get("from").asText() + "→" + p.get("to").asText())
                    .endsWith("snapshot-done→cutover", "cutover→backup");
            CliRun text = CliRun.of("report", "-f", specFile.toString(), "--work-dir", work.toString());
            assertThat(text.out()).contains("sync point: legacy LSN " + lsn).contains("verified by cutover").containsPattern("items_new\\s+\\d+");
        }
    }

    private static String text(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
