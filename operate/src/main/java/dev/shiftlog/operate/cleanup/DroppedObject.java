package dev.shiftlog.operate.cleanup;

/**
 * One object the spec's {@code cleanup} section drops, as found in the live target.
 *
 * @param column the column, or null when the whole table goes
 * @param type the column's type as {@code format_type} prints it; null for a table
 * @param rows rows of the table now (the values a dropped column loses)
 * @param present false when it is already gone (a cleanup that ran before): nothing to back up or drop
 */
public record DroppedObject(String schema, String table, String column, String type, long rows, boolean present) {

    public boolean isColumn() {
        return column != null;
    }

    /** {@code column public.coaches.legacy_id (bigint, 1200 rows)} or {@code table public.tls_coach (1200 rows)}. */
    public String describe() {
        String name = schema + "." + table + (isColumn() ? "." + column : "");
        if (!present) {
            return (isColumn() ? "column " : "table ") + name + " (already gone)";
        }
        return isColumn() ? "column " + name + " (" + type + ", " + rows + " rows)" : "table " + name + " (" + rows + " rows)";
    }
}
