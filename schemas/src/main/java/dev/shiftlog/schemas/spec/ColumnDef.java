package dev.shiftlog.schemas.spec;

/**
 * One target column and where its value comes from: a source column ({@code from}), a CEL expression over the
 * source columns ({@code expr}), or a reference ({@code ref} + {@code from}): the source column(s) hold the legacy
 * key of a row of another mapped table, and the target column gets that row's new id once it has landed.
 *
 * @param from      the source column; for a reference, its first legacy column ({@link ReferenceDef#from} has all)
 * @param reference what a reference column points at; null for plain columns
 */
public record ColumnDef(String target, String from, String expr, ReferenceDef reference, Location location) {

    public ColumnDef(String target, String from, String expr, Location location) {
        this(target, from, expr, null, location);
    }

    public boolean isExpression() {
        return expr != null;
    }

    public boolean isReference() {
        return reference != null;
    }

    /** The referenced target table; null for plain columns. */
    public String ref() {
        return reference == null ? null : reference.table();
    }

    /** The id strategy of the referenced table; null for plain columns. */
    public IdStrategy refId() {
        return reference == null ? null : reference.parentId();
    }

    public ColumnDef withReference(ReferenceDef resolved) {
        return new ColumnDef(target, from, expr, resolved, location);
    }
}
