package dev.shiftlog.cli;

import dev.shiftlog.operate.audit.AuditLog;
import dev.shiftlog.operate.backup.PostgresClientTools;
import dev.shiftlog.operate.backup.TargetBackup;
import dev.shiftlog.operate.lifecycle.MigrationRunbook;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * What every command that operates a migration (status, verify, cutover, backup …) shares: a spec and its work dir,
 * the same exit codes (2 for a spec or environment that does not work, with every error printed) and the audit trail.
 */
abstract class OperatingCommand implements Callable<Integer> {
    @Mixin
    SpecFileOption specOption;

    @Mixin
    WorkDirOption workDirOption;

    @Spec
    CommandSpec command;

    @Override
    public final Integer call() {
        Optional<MigrationDef> loaded = new SpecLoader(Map.of()).load(specFile(), System.err);
        if (loaded.isEmpty()) {
            return 2;
        }
        MigrationDef spec = loaded.get();
        if (spec.target().isJsonLines() && !worksOnFiles()) {
            System.err.println(command.name() + " works on a PostgreSQL target; the target of " + spec.name() + " is a folder of JSON"
                    + " Lines files (" + spec.target().url() + "): the sink rebuilds them from the log, so copy the folder to keep"
                    + " a version, and use status and verify to follow and check them");
            return 2;
        }
        try {
            return run(spec);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (Exception e) {
            System.err.println(command.name() + " of " + spec.name() + " failed: " + DemoCommand.rootMessage(e));
            return 2;
        }
    }

    /** Whether the command also serves a JSON Lines target (status and verify do; backup, cutover … need a database). */
    boolean worksOnFiles() {
        return false;
    }

    /** The command itself; an exception is reported as {@code <command> of <migration> failed: <reason>}, exit 2. */
    abstract int run(MigrationDef spec) throws Exception;

    Path workDir(MigrationDef spec) {
        return workDirOption.resolve(spec);
    }

    Path specFile() {
        return specOption.file;
    }

    KafkaEndpoint attachKafka(MigrationDef spec) throws IOException {
        return KafkaEndpoint.attach(spec, System.getenv(), workDir(spec));
    }

    /**
     * Records a lifecycle event in the target's audit table and, when the migration's Kafka cluster can be found,
     * on its audit topic (backup and restore also run with the pipeline down).
     */
    void audit(MigrationDef spec, String event, Map<String, ?> details) {
        KafkaEndpoint kafka;
        try {
            kafka = attachKafka(spec);
        } catch (IOException e) {
            audit(spec, null, event, details); // no cluster: the table alone keeps the trail
            return;
        }
        try (kafka) {
            audit(spec, kafka, event, details);
        }
    }

    /** The same, with a cluster the command is already attached to (or null for the table only). */
    static void audit(MigrationDef spec, KafkaEndpoint kafka, String event, Map<String, ?> details) {
        try (AuditLog log = new AuditLog(spec, kafka == null ? null : kafka.clientConfig(), kafka == null ? null : kafka.registry())) {
            log.record(event, details);
        }
    }

    /** The lifecycle steps (operate's {@link MigrationRunbook}) against this migration's cluster. */
    static MigrationRunbook runbook(MigrationDef spec, KafkaEndpoint kafka) {
        return new MigrationRunbook(spec, dev.shiftlog.producer.ProducerStage.captureName(spec), kafka.clientConfig(), kafka.registry());
    }

    TargetBackup backups(MigrationDef spec) {
        return new TargetBackup(spec, workDir(spec).resolve("backups"), new PostgresClientTools(null));
    }
}
