package dev.shiftlog.cli;

import dev.shiftlog.operate.backup.TargetBackup;
import dev.shiftlog.operate.backup.TargetBackup.BackupRecord;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shiftlog restore}: the rollback — the target back to a recorded backup, checksum checked first. */
@Command(name = "restore", description = "Restore the target from a backup (default: the newest full backup of this migration). "
        + "Stop the pipeline first, or it keeps writing.")
final class RestoreCommand extends OperatingCommand {
    @Option(names = "--from", description = "A backup file listed in <work-dir>/backups/backups.jsonl.")
    Path from;

    @Override
    int run(MigrationDef spec) throws Exception {
        TargetBackup backups = backups(spec);
        Optional<BackupRecord> record = from == null ? backups.latestFull() : backups.list().stream()
                .filter(r -> Path.of(r.file()).equals(from.toAbsolutePath())).reduce((a, b) -> b);
        if (record.isEmpty()) {
            System.err.println("no backup " + (from == null ? "of migration " + spec.name() : from) + " recorded in "
                    + workDir(spec).resolve("backups") + "; take one with: shiftlog backup -f " + specFile());
            return 2;
        }
        backups.restore(record.get());
        audit(spec, "restore", Map.of("file", record.get().file(), "sha256", record.get().sha256()));
        System.out.println("target " + spec.target().url() + " restored from " + record.get().file() + " (taken "
                + record.get().takenAt() + ", sha256 verified)");
        return 0;
    }
}
