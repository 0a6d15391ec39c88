package dev.shiftlog.cli;

import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shiftlog reset-target}: empties the spec's target tables (S1: the target holds poor data to replace). */
@Command(name = "reset-target", description = "Truncate the spec's target tables. Refuses unless this migration has a backup "
        + "(shiftlog backup) or --force is given.")
final class ResetTargetCommand extends OperatingCommand {
    @Option(names = "--force", description = "Truncate even without a backup.")
    boolean force;

    @Override
    int run(MigrationDef spec) throws Exception {
        List<String> tables = spec.targetTables();
        if (!force && backups(spec).latestFull().isEmpty()) {
            System.err.println("reset-target refuses: migration " + spec.name() + " has no backup in " + workDir(spec).resolve("backups")
                    + ". Take one first (shiftlog backup -f " + specFile() + ") or pass --force.");
            return 2;
        }
        String list = tables.stream().map(t -> SqlIdentifiers.qualified(spec.target().schema(), t)).collect(Collectors.joining(", "));
        try (Connection c = PostgresCatalog.open(spec.target()); Statement s = c.createStatement()) {
            s.execute("TRUNCATE " + list);
        } catch (SQLException e) {
            throw new SQLException(e.getMessage() + " (a table outside the spec that references these blocks TRUNCATE; empty it first)", e);
        }
        audit(spec, "reset-target", Map.of("tables", tables, "forced", force));
        System.out.println("truncated " + String.join(", ", tables) + " in " + spec.target().url());
        return 0;
    }
}
