package dev.shiftlog.operate.drift;

import dev.shiftlog.schemas.spec.Location;

/**
 * One difference between the target schema a spec needs and the live target, tied to the spec line that causes it.
 *
 * @param table target table
 * @param column target column, or null for a table-level finding
 */
public record SchemaDrift(Severity severity, Location location, String table, String column, String message) {

    /** How a difference affects the load. */
    public enum Severity {
        /** every row (or every affected row) would fail at the target: refuse to start */
        ERROR,
        /** some rows may fail (values that do not convert, NULLs) and would go to the DLQ */
        WARNING,
        /** nothing fails, but the user may not expect it (a column the spec leaves to its default) */
        NOTE
    }

    @Override
    public String toString() {
        return location + ": " + severity.name().toLowerCase(java.util.Locale.ROOT) + ": " + message;
    }
}
