package dev.shiftlog.schemas.spec;

/**
 * One target column and where its value comes from: a source column ({@code from}), a CEL expression over the
 * source columns ({@code expr}), or a reference ({@code ref} + {@code from}): the source column holds the legacy key
 * of a row of another mapped table, and the target column gets that row's new id once it has landed.
 *
 * @param ref target table the column references; null for plain columns
 * @param refId id strategy of the referenced table (resolved by the parser); null for plain columns
 */
public record ColumnDef(String target, String from, String expr, String ref, IdStrategy refId, Location location) {

    public ColumnDef(String target, String from, String expr, Location location) {
        this(target, from, expr, null, null, location);
    }

    public boolean isExpression() {
        return expr != null;
    }

    public boolean isReference() {
        return ref != null;
    }

    public ColumnDef withRefId(IdStrategy strategy) {
        return new ColumnDef(target, from, expr, ref, strategy, location);
    }
}
