package dev.shiftlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shiftlog.operate.backup.PostgresClientTools;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecParser;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rollback rehearsal of issue 4 / S5: back up a target that already holds data, load about half of a migration,
 * kill the pipeline with SIGKILL, {@code restore}, and the target equals the pre-migration state byte for byte
 * (pg_dump of both compared). Also: {@code reset-target} refuses without a backup, and the audit table has the trail.
 */
class RollbackIT {
    private static final int ROWS = 60_000;
    private static TestServers servers;
    private static Path specFile;
    private static MigrationDef spec;

    @BeforeAll
    static void startServers() throws Exception {
        servers = new TestServers("rollback-it");
        servers.legacySql(ItemsScenario.LEGACY_DDL);
        servers.legacySql(ItemsScenario.insert(1, ROWS));
        servers.targetSql(ItemsScenario.TARGET_DDL);
        // the poor-quality data the target holds before the migration (S1), which a rollback must bring back
        servers.targetSql("INSERT INTO items_new (id, legacy_id, name, amount) VALUES "
                + "('11111111-1111-1111-1111-111111111111', -1, 'old row', 1.50), ('22222222-2222-2222-2222-222222222222', -2, 'older', NULL)");
        specFile = servers.specWithValues(ItemsScenario.SPEC, "items.yaml");
        spec = new SpecParser(Map.of()).parse(specFile);
    }

    @AfterAll
    static void stopServers() throws Exception {
        servers.close();
    }

    private String dump() throws Exception {
        return new PostgresClientTools(null).plainDump(spec.target(), List.of(dev.shiftlog.operate.backup.TargetBackup.AUDIT_TABLE_PATTERN));
    }

    @Test
    void shouldRestoreTheTargetByteForByteAfterAKilledHalfLoad() throws Exception {
        Path work = servers.dir.resolve("work");
        String before = dump();

        CliRun refused = CliRun.of("reset-target", "-f", specFile.toString(), "--work-dir", work.toString());
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("has no backup").contains("shiftlog backup -f");

        CliRun backup = CliRun.of("backup", "-f", specFile.toString(), "--work-dir", work.toString());
        assertThat(backup.exitCode()).as(backup.err()).isZero();
        assertThat(backup.out()).containsPattern("sha256 [0-9a-f]{64}");

        Process up = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
                "-Xmx768m", "-cp", "target/classes" + File.pathSeparator + "target/lib/*", "dev.shiftlog.cli.Main", "up",
                "-f", specFile.toString(), "--work-dir", work.toString())
                .redirectErrorStream(true).redirectOutput(servers.dir.resolve("up.log").toFile()).start();
        long landed;
        try (Connection target = servers.target.connect("app")) {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50))
                    .until(() -> TestServers.scalar(target, "SELECT count(*) FROM items_new") > 2 + ROWS / 10);
            up.destroyForcibly(); // SIGKILL mid-load: no shutdown hook, no flush
            assertThat(up.waitFor(30, TimeUnit.SECONDS)).isTrue();
            landed = TestServers.scalar(target, "SELECT count(*) FROM items_new") - 2;
        }
        assertThat(landed).as("killed in the middle of the load").isBetween(1L, ROWS - 1L);
        assertThat(dump()).isNotEqualTo(before);

        CliRun restore = CliRun.of("restore", "-f", specFile.toString(), "--work-dir", work.toString());
        assertThat(restore.exitCode()).as(restore.err()).isZero();
        assertThat(dump()).as("pg_dump after restore equals pg_dump before the migration").isEqualTo(before);

        CliRun reset = CliRun.of("reset-target", "-f", specFile.toString(), "--work-dir", work.toString());
        assertThat(reset.exitCode()).as(reset.err()).isZero();
        try (Connection target = servers.target.connect("app")) {
            assertThat(TestServers.scalar(target, "SELECT count(*) FROM items_new")).isZero();
            assertThat(TestServers.scalar(target, "SELECT count(*) FROM shiftlog_runs WHERE migration = 'items' AND event IN "
                    + "('backup', 'restore', 'reset-target')")).as("the audit trail survives the restore").isEqualTo(3);
        }
        // a backup file that changed on disk is refused
        Path file = Files.list(work.resolve("backups")).filter(p -> p.toString().endsWith(".dump")).findFirst().orElseThrow();
        Files.write(file, new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
        CliRun tampered = CliRun.of("restore", "-f", specFile.toString(), "--work-dir", work.toString());
        assertThat(tampered.exitCode()).isEqualTo(2);
        assertThat(tampered.err()).contains("does not match its recorded checksum");
    }
}
