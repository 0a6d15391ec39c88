package dev.shiftlog.schemas.spec;

import java.util.List;

/**
 * A legacy row a mapping reads beside its own (enrichment): the row of {@code table} whose primary key (or the
 * columns {@code by}) equals the values of {@code on}, offered to the mapping's expressions as the map
 * {@code <name>.<column>}, and to references as {@code from: <name>.<column>}. {@code on} names
 * columns of the mapped row ({@code language_id}) or of another lookup ({@code city.country_id}), so lookups chain
 * several levels deep. When the looked-up row changes, every target row that used it is rendered again.
 *
 * @param name         the CEL variable, e.g. {@code genre}
 * @param table        the legacy table, {@code table} or {@code schema.table}
 * @param on           the values matched against the looked-up table's primary key, in its key order (or against {@code by})
 * @param by           the looked-up table's columns matched instead of its primary key (S3: a profile found by its
 *                     {@code user_id}); empty for the primary key. When several rows match, the one whose legacy key
 *                     text sorts first is read
 * @param dlqIfMissing a row whose looked-up row does not exist goes to the DLQ; false: the lookup's columns are NULL
 */
public record LookupDef(String name, String table, List<String> on, List<String> by, boolean dlqIfMissing, Location location) {

    public LookupDef {
        on = List.copyOf(on);
        by = List.copyOf(by);
    }

    /** True when rows are matched by other columns than the looked-up table's primary key. */
    public boolean byColumns() {
        return !by.isEmpty();
    }

    /**
     * The name the looked-up rows travel under between the stages: {@code schema.table}, or {@code schema.table(a,b)}
     * when matched by columns {@code a, b} — each (table, matched columns) pair is its own keyed set of rows.
     */
    public String rowsName(String defaultSchema) {
        return sourceSchema(defaultSchema) + "." + sourceTable() + (by.isEmpty() ? "" : "(" + String.join(",", by) + ")");
    }

    /** The lookup an {@code on} entry reads from, or null when it is a column of the mapped row. */
    public static String lookupOf(String onEntry) {
        int dot = onEntry.indexOf('.');
        return dot < 0 ? null : onEntry.substring(0, dot);
    }

    /** The column an {@code on} entry reads. */
    public static String columnOf(String onEntry) {
        return onEntry.substring(onEntry.indexOf('.') + 1);
    }

    public String sourceSchema(String defaultSchema) {
        return table.contains(".") ? table.substring(0, table.indexOf('.')) : defaultSchema;
    }

    public String sourceTable() {
        return table.contains(".") ? table.substring(table.indexOf('.') + 1) : table;
    }
}
