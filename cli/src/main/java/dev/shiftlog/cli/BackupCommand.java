package dev.shiftlog.cli;

import dev.shiftlog.operate.backup.TargetBackup.BackupRecord;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code shiftlog backup}: a pg_dump (custom format) of the target, with its checksum recorded for restore. */
@Command(name = "backup", description = "Dump the target database (pg_dump, custom format) into <work-dir>/backups; "
        + "records its SHA-256 so restore can check it.")
final class BackupCommand extends OperatingCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        Optional<MigrationDef> loaded = loadSpec();
        if (loaded.isEmpty()) {
            return 2;
        }
        MigrationDef spec = loaded.get();
        try {
            BackupRecord record = backups(spec).backup("backup", List.of());
            audit(spec, "backup", Map.of("file", record.file(), "sha256", record.sha256(), "bytes", record.bytes()));
            System.out.println("backup of " + spec.target().url() + " written to " + record.file());
            System.out.println("sha256 " + record.sha256() + " (" + record.bytes() + " bytes); undo with: shiftlog restore -f " + specFile);
            return 0;
        } catch (Exception e) {
            System.err.println("backup of " + spec.name() + " failed: " + DemoCommand.rootMessage(e));
            return 2;
        }
    }
}
