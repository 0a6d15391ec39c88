package dev.shiftlog.cli;

import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.catalog.SpecCatalogCheck;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecError;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shiftlog plan}: checks a spec against both catalogs and shows what will run, writing nothing. */
@Command(name = "plan", description = "Validate a spec against the source and target catalogs and print the table plan.")
final class PlanCommand implements Callable<Integer> {
    @Option(names = {"-f", "--file"}, required = true, description = "The migration spec (YAML).")
    Path specFile;

    @Override
    public Integer call() {
        Optional<MigrationDef> loaded = new SpecLoader(Map.of()).load(specFile, System.err);
        if (loaded.isEmpty()) {
            return 2;
        }
        MigrationDef spec = loaded.get();
        List<SpecError> errors = new SpecCatalogCheck().check(spec);
        if (!errors.isEmpty()) {
            errors.forEach(System.err::println);
            System.err.println(errors.size() + " error(s) in " + specFile + "; nothing was written");
            return 2;
        }
        TopicNames topics = new TopicNames(spec.name());
        System.out.println("migration " + spec.name() + ": " + spec.source().url() + " → " + spec.target().url());
        for (TableMappingDef t : spec.tables()) {
            String schema = t.sourceSchema(spec.source().schema());
            System.out.printf("  %s.%s ──▶ %s  (id %s into %s, legacy key in %s, %d column(s))%n", schema, t.sourceTable(),
                    t.target(), t.id().specName(), t.key(), t.legacyKey(), t.columns().size());
            System.out.printf("      topics %s → %s%n", topics.source(schema, t.sourceTable()), topics.out(t.target()));
        }
        System.out.println("plan OK: " + spec.tables().size() + " table(s), no errors");
        return 0;
    }
}
