package dev.shiftlog.schemas.spec;

import java.util.List;

/** A whole migration spec after parsing: immutable, validated for shape, free of unresolved {@code ${ENV}}. */
public record MigrationDef(
        String name,
        ConnectionDef source,
        ConnectionDef target,
        KafkaDef kafka,
        List<TableMappingDef> tables,
        String file) {

    public MigrationDef withKafka(KafkaDef newKafka) {
        return new MigrationDef(name, source, target, newKafka, tables, file);
    }
}
