package dev.shiftlog.schemas.spec;

import java.util.List;

/**
 * A whole migration spec after parsing: immutable, validated for shape, free of unresolved {@code ${ENV}}.
 *
 * @param storage where {@code upload} columns put binary values; null when no column uploads
 */
public record MigrationDef(
        String name,
        ConnectionDef source,
        ConnectionDef target,
        KafkaDef kafka,
        List<TableMappingDef> tables,
        double successRate,
        CleanupDef cleanup,
        StorageDef storage,
        String file) {

    /** Without {@code success-rate} in the spec every legacy row must land. */
    public static final double DEFAULT_SUCCESS_RATE = 100.0;

    /** Every column that puts binary values into object storage. */
    public List<ColumnDef> uploads() {
        return tables.stream().flatMap(t -> t.columns().stream()).filter(ColumnDef::isUpload).toList();
    }

    /** The target tables the spec fills, each once, in spec order. */
    public List<String> targetTables() {
        return tables.stream().map(TableMappingDef::target).distinct().toList();
    }

    /** The mappings of one target table, in spec order. */
    public List<TableMappingDef> mappingsOf(String targetTable) {
        return tables.stream().filter(t -> t.target().equals(targetTable)).toList();
    }

    /**
     * Every mapping that reads the same legacy table as this one (itself included): they share a source topic, and
     * their expressions can read each other's ids ({@code ids.<target>}).
     */
    public List<TableMappingDef> mappingsOfSource(TableMappingDef mapping) {
        String source = mapping.qualifiedSource(this.source.schema());
        return tables.stream().filter(t -> t.qualifiedSource(this.source.schema()).equals(source)).toList();
    }

    public MigrationDef withKafka(KafkaDef newKafka) {
        return new MigrationDef(name, source, target, newKafka, tables, successRate, cleanup, storage, file);
    }

    /**
     * Every legacy table the migration captures, as {@code schema.table} in spec order: the mapped tables and the
     * tables their lookups and aggregates read.
     */
    public java.util.Set<String> capturedTables() {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        tables.forEach(t -> out.add(t.qualifiedSource(source.schema())));
        tables.forEach(t -> t.lookups().forEach(l -> out.add(l.sourceSchema(source.schema()) + "." + l.sourceTable())));
        tables.forEach(t -> t.aggregates().forEach(a -> out.add(a.sourceSchema(source.schema()) + "." + a.sourceTable())));
        return out;
    }

    /** Every cycle of the reference graph, trees (a table referencing itself) included. */
    public List<ReferenceCycle> referenceCycles() {
        return ReferenceCycle.of(tables);
    }

    /** Mappings ordered so that a referenced table comes before the tables that reference it (cycles: as listed). */
    public List<TableMappingDef> landingOrder() {
        List<TableMappingDef> ordered = new java.util.ArrayList<>();
        java.util.Set<String> placed = new java.util.HashSet<>();
        List<TableMappingDef> pending = new java.util.ArrayList<>(tables());
        while (!pending.isEmpty()) {
            boolean progress = false;
            for (var it = pending.iterator(); it.hasNext(); ) {
                TableMappingDef t = it.next();
                if (t.references().stream().allMatch(ref -> ref.ref().equals(t.target()) || placed.contains(ref.ref()))) {
                    ordered.add(t);
                    it.remove();
                    progress = true;
                }
            }
            for (TableMappingDef t : ordered) {
                placed.add(t.target());
            }
            if (!progress) { // a cycle between tables: list the rest as they are; their rows wait for each other
                ordered.addAll(pending);
                break;
            }
        }
        return ordered;
    }
}
