package dev.shiftlog.cli;

import dev.shiftlog.operate.backup.TargetBackup.BackupRecord;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code shiftlog backup}: a pg_dump (custom format) of the target, with its checksum recorded for restore. */
@Command(name = "backup", description = "Dump the target database (pg_dump, custom format) into <work-dir>/backups; "
        + "records its SHA-256 so restore can check it.")
final class BackupCommand extends OperatingCommand {
    @Override
    int run(MigrationDef spec) throws Exception {
        BackupRecord record = backups(spec).backup("backup", List.of());
        audit(spec, "backup", Map.of("file", record.file(), "sha256", record.sha256(), "bytes", record.bytes()));
        System.out.println("backup of " + spec.target().url() + " written to " + record.file());
        System.out.println("sha256 " + record.sha256() + " (" + record.bytes() + " bytes); undo with: shiftlog restore -f " + specFile());
        return 0;
    }
}
