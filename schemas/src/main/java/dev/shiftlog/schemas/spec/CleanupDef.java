package dev.shiftlog.schemas.spec;

import java.util.List;

/**
 * The spec's post-migration step: target columns and legacy objects to drop once the migration is verified, run
 * only by {@code cleanup --confirm} after a clean verify and a backup of exactly what it drops.
 *
 * @param dropColumns {@code table.column} of the target schema
 * @param dropTables tables of the target database ({@code table} or {@code schema.table}), e.g. v1 tables after a
 *     v1 → v3 move inside one database
 */
public record CleanupDef(List<String> dropColumns, List<String> dropTables, Location location) {
    public static final CleanupDef NONE = new CleanupDef(List.of(), List.of(), null);

    public boolean isEmpty() {
        return dropColumns.isEmpty() && dropTables.isEmpty();
    }
}
