package dev.shiftlog.schemas.spec;

/**
 * One target column and where its value comes from: exactly one of {@code from} (a source column) or
 * {@code expr} (a CEL expression over the source columns).
 */
public record ColumnDef(String target, String from, String expr, Location location) {
    public boolean isExpression() {
        return expr != null;
    }
}
