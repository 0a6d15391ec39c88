package dev.shiftlog.cli;

import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shiftlog reset-target}: empties the spec's target tables (S1: the target holds poor data to replace). */
@Command(name = "reset-target", description = "Truncate the spec's target tables. Refuses unless this migration has a backup "
        + "(shiftlog backup) or --force is given.")
final class ResetTargetCommand extends OperatingCommand implements Callable<Integer> {
    @Option(names = "--force", description = "Truncate even without a backup.")
    boolean force;

    @Override
    public Integer call() {
        Optional<MigrationDef> loaded = loadSpec();
        if (loaded.isEmpty()) {
            return 2;
        }
        MigrationDef spec = loaded.get();
        List<String> tables = spec.tables().stream().map(TableMappingDef::target).distinct().toList();
        try {
            if (!force && backups(spec).latestFull().isEmpty()) {
                System.err.println("reset-target refuses: migration " + spec.name() + " has no backup in " + workDir(spec).resolve("backups")
                        + ". Take one first (shiftlog backup -f " + specFile + ") or pass --force.");
                return 2;
            }
            String list = tables.stream().map(t -> '"' + spec.target().schema() + "\".\"" + t + '"').collect(Collectors.joining(", "));
            try (Connection c = PostgresCatalog.open(spec.target()); Statement s = c.createStatement()) {
                s.execute("TRUNCATE " + list);
            }
            audit(spec, "reset-target", Map.of("tables", tables, "forced", force));
            System.out.println("truncated " + String.join(", ", tables) + " in " + spec.target().url());
            return 0;
        } catch (Exception e) {
            System.err.println("reset-target of " + spec.name() + " failed: " + DemoCommand.rootMessage(e)
                    + " (a table outside the spec that references these blocks TRUNCATE; empty it first)");
            return 2;
        }
    }
}
