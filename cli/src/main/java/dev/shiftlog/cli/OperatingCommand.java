package dev.shiftlog.cli;

import dev.shiftlog.schemas.spec.MigrationDef;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** What every command that operates a running migration (status, verify, cutover, backup …) takes: a spec and its work dir. */
abstract class OperatingCommand {
    @Option(names = {"-f", "--file"}, required = true, description = "The migration spec (YAML).")
    Path specFile;

    @Option(names = "--work-dir", description = "Local state of the migration's run. Default: .shiftlog/<migration>")
    Path workDir;

    /** The parsed spec, or empty after printing every error. */
    Optional<MigrationDef> loadSpec() {
        return new SpecLoader(Map.of()).load(specFile, System.err);
    }

    Path workDir(MigrationDef spec) {
        return workDir != null ? workDir : Path.of(".shiftlog", spec.name());
    }

    KafkaEndpoint attachKafka(MigrationDef spec) throws java.io.IOException {
        return KafkaEndpoint.attach(spec, System.getenv(), workDir(spec));
    }
}
