package dev.shiftlog.cli;

import dev.shiftlog.schemas.spec.MigrationDef;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --work-dir} option and its one default, {@code .shiftlog/<migration>}, for every spec command. */
final class WorkDirOption {
    @Option(names = "--work-dir", description = {"Local state: embedded broker, Streams state, backups.",
            "Default: .shiftlog/<migration>"})
    Path dir;

    Path resolve(MigrationDef spec) {
        return dir != null ? dir : Path.of(".shiftlog", spec.name());
    }
}
