package dev.shiftlog.cli;

import dev.shiftlog.operate.backup.TargetBackup.BackupRecord;
import dev.shiftlog.operate.cleanup.DroppedObject;
import dev.shiftlog.operate.cleanup.PostMigrationCleanup;
import dev.shiftlog.operate.lifecycle.MigrationRunbook;
import dev.shiftlog.operate.verify.VerifyReport;
import dev.shiftlog.producer.ProducerStage;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shiftlog cleanup}: the spec's post-migration step (S5), separate and explicitly confirmed. Without
 * {@code --confirm} it only shows what would go; with it, it refuses while a worker still runs or verify is not
 * clean, then backs up exactly what it drops and drops it.
 */
@Command(name = "cleanup", description = "Drop what the spec's 'cleanup' section names (target columns, legacy tables) and "
        + "the migration's replication slot and publication. Without --confirm: show what would be dropped. With --confirm: "
        + "only when no worker runs and verify is clean; backs up exactly what it drops first. Exit 0 done, 1 verify not "
        + "clean, 2 refused or failed.")
final class CleanupCommand extends OperatingCommand {
    @Option(names = "--confirm", description = "Really drop (after the checks and the backup).")
    boolean confirm;

    @Override
    int run(MigrationDef spec) throws Exception {
        String capture = ProducerStage.captureName(spec);
        PostMigrationCleanup cleanup = new PostMigrationCleanup(spec, capture);
        List<DroppedObject> drops = cleanup.plan();
        System.out.println("cleanup of migration " + spec.name() + " drops, in " + spec.target().url() + ":");
        if (drops.isEmpty()) {
            System.out.println("  nothing (the spec has no 'cleanup' section: cleanup: { drop-columns: [table.column], drop-tables: [name] })");
        }
        drops.forEach(d -> System.out.println("  " + d.describe()));
        System.out.println("and in " + spec.source().url() + ": the replication slot and publication " + capture
                + " (the legacy database stops keeping WAL for this migration)");
        if (!confirm) {
            System.out.println("dry run: nothing was dropped. Run again with --confirm: it needs the workers stopped and a clean "
                    + "verify, and backs up exactly these objects before dropping them.");
            return 0;
        }
        int pid = cleanup.capturingPid();
        if (pid >= 0) {
            System.err.println("cleanup refuses: the replication slot " + capture + " is in use by process " + pid + " on "
                    + spec.source().url() + ", so a shiftlog worker is still capturing. Stop the workers (up / run) first; "
                    + "cleanup drops what they write. Nothing was dropped.");
            return 2;
        }
        // open, not attach: with an embedded broker the workers are gone, so this starts it again on the run's data
        try (KafkaEndpoint kafka = KafkaEndpoint.open(spec, System.getenv(), workDir(spec))) {
            MigrationRunbook runbook = runbook(spec, kafka);
            List<String> running = runbook.runningWorkerGroups();
            if (!running.isEmpty()) {
                System.err.println("cleanup refuses: " + String.join(" and ", running) + " still has members; stop those "
                        + "workers first (a killed worker leaves its group when its session times out, within a minute). Nothing was dropped.");
                return 2;
            }
            VerifyReport report = runbook.verify();
            if (!report.clean()) {
                System.out.print(report.render());
                System.err.println("cleanup refuses: verify is not clean (" + report.findings().size() + " finding(s) above); "
                        + "fix the target or the spec and verify again. Nothing was backed up or dropped.");
                audit(spec, kafka, "cleanup-refused", Map.of("findings", report.findings().size()));
                return 1;
            }
            System.out.println("verify: CLEAN (success rate " + report.successRate() + "%)");
            List<BackupRecord> backups = cleanup.backup(drops, backups(spec));
            backups.forEach(b -> System.out.println("backed up to " + b.file() + " (" + b.bytes() + " bytes, sha256 " + b.sha256() + ")"));
            cleanup.drop(drops);
            List<String> captureDropped = cleanup.dropCapture();
            List<String> dropped = new ArrayList<>();
            drops.stream().filter(DroppedObject::present).forEach(d -> dropped.add(d.describe()));
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("dropped", dropped);
            details.put("capture", captureDropped);
            details.put("backups", backups.stream().map(BackupRecord::file).toList());
            audit(spec, kafka, "cleanup", details);
            dropped.forEach(d -> System.out.println("dropped " + d));
            captureDropped.forEach(d -> System.out.println("dropped " + d + " in " + spec.source().url()));
            if (!backups.isEmpty()) {
                System.out.println("to undo: " + String.join("; ", backups.stream().map(b -> "shiftlog restore -f " + specFile()
                        + " --from " + b.file()).toList()));
            }
            System.out.println("the Kafka topics of " + spec.name() + " (" + spec.name() + ".*) are left as they are");
            return 0;
        }
    }
}
