package dev.shiftlog.operate.verify;

import com.fasterxml.jackson.annotation.JsonValue;

/** What a {@link VerifyReport.Finding} is about; {@link #label} is how reports and {@code verify --json} name it. */
public enum FindingKind {
    /** The legacy rows give this row; the target does not have it. */
    MISSING("missing"),
    /** The target has this row; no legacy row gives it. */
    EXTRA("extra"),
    /** The row is there but a column differs. */
    CHANGED("changed"),
    /** A reference that resolves to no row. */
    ORPHAN("orphan"),
    /** Rows that reference each other in a ring. */
    CYCLE("cycle"),
    /** The target tree has a different number of rows on some level than the legacy tree. */
    TREE_LEVELS("tree-levels"),
    /** A row the mapping rejects that the DLQ does not hold. */
    UNACCOUNTED("unaccounted");

    private final String label;

    FindingKind(String label) {
        this.label = label;
    }

    @JsonValue
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
