package dev.shiftlog.schemas.spec;

/**
 * One target column and where its value comes from: a source column ({@code from}), a CEL expression over the
 * source columns ({@code expr}), or a reference ({@code ref} + {@code from}): the source column(s) hold the legacy
 * key of a row of another mapped table, and the target column gets that row's new id once it has landed.
 *
 * @param from      the source column; for a reference, its first legacy column ({@link ReferenceDef#from} has all)
 * @param reference what a reference column points at; null for plain columns
 * @param upload      for a column filled with the public URL of a binary value put into object storage; else null
 */
public record ColumnDef(String target, String from, String expr, ReferenceDef reference, UploadDef upload, Location location) {

    public ColumnDef(String target, String from, String expr, Location location) {
        this(target, from, expr, null, null, location);
    }

    public ColumnDef(String target, String from, String expr, ReferenceDef reference, Location location) {
        this(target, from, expr, reference, null, location);
    }

    /** A column whose binary value goes to object storage and which gets its public URL. */
    public boolean isUpload() {
        return upload != null;
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
        return new ColumnDef(target, from, expr, resolved, upload, location);
    }

    public ColumnDef withUpload(UploadDef resolved) {
        return new ColumnDef(target, from, expr, reference, resolved, location);
    }
}
