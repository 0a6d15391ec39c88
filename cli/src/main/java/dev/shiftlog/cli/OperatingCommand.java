package dev.shiftlog.cli;

import dev.shiftlog.operate.audit.AuditLog;
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

    /**
     * Records a lifecycle event in the target's audit table and, when the migration's Kafka cluster can be found,
     * on its audit topic (backup and restore also run with the pipeline down).
     */
    void audit(MigrationDef spec, String event, Map<String, ?> details) {
        KafkaEndpoint kafka = null;
        try {
            kafka = attachKafka(spec);
        } catch (java.io.IOException e) {
            // no cluster: the table alone keeps the trail
        }
        try (AuditLog log = new AuditLog(spec, kafka == null ? null : kafka.clientConfig(), kafka == null ? null : kafka.registry())) {
            log.record(event, details);
        } finally {
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    dev.shiftlog.operate.backup.TargetBackup backups(MigrationDef spec) {
        return new dev.shiftlog.operate.backup.TargetBackup(spec, workDir(spec).resolve("backups"),
                new dev.shiftlog.operate.backup.PostgresClientTools(null));
    }
}
