package dev.shiftlog.schemas.spec;

import java.util.List;

/** A whole migration spec after parsing: immutable, validated for shape, free of unresolved {@code ${ENV}}. */
public record MigrationDef(
        String name,
        ConnectionDef source,
        ConnectionDef target,
        KafkaDef kafka,
        List<TableMappingDef> tables,
        double successRate,
        CleanupDef cleanup,
        String file) {

    /** Without {@code success-rate} in the spec every legacy row must land. */
    public static final double DEFAULT_SUCCESS_RATE = 100.0;

    public MigrationDef withKafka(KafkaDef newKafka) {
        return new MigrationDef(name, source, target, newKafka, tables, successRate, cleanup, file);
    }
}
