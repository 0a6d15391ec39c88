package dev.shiftlog.cli;

import dev.shiftlog.operate.audit.AuditLog;
import dev.shiftlog.operate.report.MigrationReport;
import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shiftlog report}: the final migration report, from the audit trail in the target (no Kafka needed). */
@Command(name = "report", description = "Print the migration report from the audit trail in the target: per table legacy rows, "
        + "landed, filtered, DLQ with reasons grouped, the verify result, time between milestones, the sync point, backups "
        + "with checksums. cutover writes it too, into <work-dir>/reports.")
final class ReportCommand extends OperatingCommand {
    @Option(names = "--json", description = "Print the report as JSON (see README: report --json).")
    boolean json;

    @Override
    int run(MigrationDef spec) throws Exception {
        MigrationReport report = build(spec);
        System.out.print(json ? VerifyCommand.toJson(report) + System.lineSeparator() : report.render());
        return 0;
    }

    static MigrationReport build(MigrationDef spec) throws Exception {
        try (Connection target = PostgresCatalog.open(spec.target())) {
            return MigrationReport.of(spec.name(), AuditLog.events(target, spec), Instant.now());
        }
    }

    /** Writes the report as text and JSON into {@code dir}; returns the JSON file. */
    static Path write(MigrationDef spec, Path dir) throws Exception {
        MigrationReport report = build(spec);
        Files.createDirectories(dir);
        String stamp = report.generatedAt().replace(':', '-');
        Path json = dir.resolve(spec.name() + "-report-" + stamp + ".json");
        Files.writeString(dir.resolve(spec.name() + "-report-" + stamp + ".txt"), report.render());
        Files.writeString(json, VerifyCommand.toJson(report) + System.lineSeparator());
        return json;
    }
}
