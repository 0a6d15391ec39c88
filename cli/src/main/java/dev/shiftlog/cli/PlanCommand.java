package dev.shiftlog.cli;

import dev.shiftlog.operate.drift.SchemaDrift;
import dev.shiftlog.operate.drift.TargetSchemaDrift;
import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.catalog.SpecCatalogCheck;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.SpecError;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code shiftlog plan}: checks a spec against both catalogs and shows what will run, writing nothing. */
@Command(name = "plan", description = "Validate a spec against the source and target catalogs and print the table plan.")
final class PlanCommand implements Callable<Integer> {
    @Mixin
    SpecFileOption specOption;

    @Override
    public Integer call() {
        Optional<MigrationDef> loaded = new SpecLoader(Map.of()).load(specOption.file, System.err);
        if (loaded.isEmpty()) {
            return 2;
        }
        MigrationDef spec = loaded.get();
        Optional<List<SchemaDrift>> drift = checkCatalogs(spec, specOption.file.toString(), true);
        if (drift.isEmpty()) {
            return 2;
        }
        TopicNames topics = new TopicNames(spec.name());
        System.out.println("migration " + spec.name() + ": " + spec.source().url() + " → " + spec.target().url());
        System.out.println("tables in landing order (a table waits for the tables it references):");
        for (TableMappingDef t : landingOrder(spec)) {
            String schema = t.sourceSchema(spec.source().schema());
            if (t.isLinkTable()) {
                System.out.printf("  %s.%s ──▶ %s  (a link table keyed by (%s), %d column(s))%n", schema, t.sourceTable(), t.target(),
                        String.join(", ", t.linkKey()), t.columns().size());
            } else {
                System.out.printf("  %s.%s ──▶ %s  (id %s into %s, legacy key in %s, %d column(s))%n", schema, t.sourceTable(),
                        t.target(), t.id().specName(), t.key(), t.legacyKey(), t.columns().size());
            }
            for (ColumnDef ref : t.references()) {
                dev.shiftlog.schemas.spec.ReferenceDef r = ref.reference();
                String parentKey = r.byMatch() ? "match " + r.match()
                        : (r.throughLookup() ? "lookup " : t.sourceTable() + ".") + String.join("+", r.from());
                System.out.printf("      %s ← %s: waits for %s%s%s, %s after %s%n", ref.target(), parentKey, ref.ref(),
                        r.source() != null ? " (the row from " + r.source() + ")" : "",
                        ref.ref().equals(t.target()) ? " (a tree: parents before children)" : "",
                        ref.reference().landNullThenPatch() ? "lands NULL then patched" : "to the DLQ",
                        dev.shiftlog.schemas.spec.SpecDuration.format(ref.reference().parkTimeout()));
            }
            for (dev.shiftlog.schemas.spec.LookupDef lookup : t.lookups()) {
                System.out.printf("      lookup %s = %s.%s by %s (kept current; missing → %s)%n", lookup.name(),
                        lookup.sourceSchema(spec.source().schema()), lookup.sourceTable(), lookup.byColumns()
                                ? "(" + String.join(", ", lookup.by()) + ") = (" + String.join(", ", lookup.on()) + ")" : String.join(", ", lookup.on()),
                        lookup.dlqIfMissing() ? "the DLQ" : "NULL");
            }
            for (dev.shiftlog.schemas.spec.AggregateDef aggregate : t.aggregates()) {
                System.out.printf("      aggregate %s = [%s] of %s.%s by %s (kept current)%n", aggregate.name(), aggregate.value(),
                        aggregate.sourceSchema(spec.source().schema()), aggregate.sourceTable(), String.join(", ", aggregate.on()));
            }
            System.out.printf("      topics %s → %s%n", topics.source(schema, t.sourceTable()), topics.out(t.target()));
        }
        List<dev.shiftlog.schemas.spec.ReferenceCycle> cycles = spec.referenceCycles();
        if (!cycles.isEmpty()) {
            System.out.println("reference cycles (rows around one can wait for each other):");
            for (dev.shiftlog.schemas.spec.ReferenceCycle cycle : cycles) {
                System.out.println("  " + (cycle.tree() ? "tree " : "cycle ") + cycle + (cycle.patchable().isEmpty()
                        ? (cycle.tree() ? "" : "  — no land-null-then-patch: rows in a ring go to the DLQ")
                        : "  — lands NULL then patched: " + cycle.patchable().stream().map(e -> e.table().target() + "." + e.column().target())
                                .collect(java.util.stream.Collectors.joining(", "))));
            }
        }
        if (spec.target().isJsonLines()) {
            System.out.println("target: one JSON Lines file per table in " + spec.target().jsonLinesDir().toAbsolutePath()
                    + " (" + spec.targetTables().stream().map(t -> t + ".jsonl").collect(java.util.stream.Collectors.joining(", "))
                    + "), rewritten whole at each checkpoint");
            System.out.println("plan OK: " + spec.tables().size() + " table(s), no errors");
            return 0;
        }
        if (drift.get().isEmpty()) {
            System.out.println("target schema matches the spec: no drift in " + spec.targetTables().size() + " table(s)");
        } else {
            long warnings = drift.get().stream().filter(d -> d.severity() == SchemaDrift.Severity.WARNING).count();
            System.out.println("target schema against the spec: " + warnings + " warning(s), "
                    + (drift.get().size() - warnings) + " note(s)");
            drift.get().forEach(d -> System.out.println("  " + d));
        }
        try (java.sql.Connection target = dev.shiftlog.schemas.catalog.PostgresCatalog.open(spec.target())) {
            dev.shiftlog.operate.lifecycle.TargetAftercare.Steps steps = new dev.shiftlog.operate.lifecycle.TargetAftercare(target, spec).steps();
            System.out.println("after the load, cutover readies the target for the application: ANALYZE of "
                    + steps.tables().size() + " table(s)" + (steps.sequences().isEmpty() ? "; no sequences behind them" : "; sequences:"));
            steps.sequences().forEach(q -> System.out.println("  " + q));
            steps.constraints().forEach(c -> System.out.println("  validate " + c));
        } catch (java.sql.SQLException e) {
            System.out.println("after the load: cannot read the target's sequences (" + e.getMessage() + ")");
        }
        System.out.println("plan OK: " + spec.tables().size() + " table(s), no errors");
        return 0;
    }

    static List<TableMappingDef> landingOrder(MigrationDef spec) {
        return spec.landingOrder();
    }

    /**
     * The catalog half of {@code plan}, also run by {@code up}, {@code run} and {@code demo} before they start
     * anything: the spec against both catalogs, then the target schema against what the mapping writes. Prints
     * every error as {@code file:line:col: message} and returns empty when there is one; otherwise the drift
     * warnings and notes, for plan to show.
     */
    static Optional<List<SchemaDrift>> checkCatalogs(MigrationDef spec, String file) {
        return checkCatalogs(spec, file, false);
    }

    /** @param countNulls also count the legacy NULLs headed for NOT NULL columns (a scan of those legacy tables) */
    static Optional<List<SchemaDrift>> checkCatalogs(MigrationDef spec, String file, boolean countNulls) {
        List<SpecError> errors = new SpecCatalogCheck().check(spec);
        List<SchemaDrift> drift = List.of();
        try {
            drift = new TargetSchemaDrift(spec, countNulls).check();
        } catch (java.sql.SQLException e) {
            if (errors.isEmpty()) { // otherwise the catalog check already named the connection that fails
                errors = List.of(new SpecError(spec.target().location(), "cannot compare the target schema: " + e.getMessage()));
            }
        }
        List<SchemaDrift> driftErrors = drift.stream().filter(d -> d.severity() == SchemaDrift.Severity.ERROR).toList();
        if (errors.isEmpty() && driftErrors.isEmpty()) {
            return Optional.of(drift);
        }
        errors.forEach(System.err::println);
        driftErrors.forEach(System.err::println);
        System.err.println((errors.size() + driftErrors.size()) + " error(s) in " + file + "; nothing was written");
        return Optional.empty();
    }
}
