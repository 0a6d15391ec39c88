package dev.shiftlog.schemas.spec;

import java.util.Arrays;
import java.util.stream.Collectors;

/** How a target row's primary key is made from the legacy row. */
public enum IdStrategy {
    /** The legacy key value, unchanged. */
    PRESERVE,
    /** A name-based UUID of migration, target table and legacy key: the same everywhere, no lookup needed. */
    UUID5,
    /** A time-ordered random UUID, assigned once per legacy key and remembered in the transformer's state store. */
    UUID7,
    /** A collision-resistant random text id (Prisma's default), assigned once and remembered like uuid7. */
    CUID2,
    /**
     * Assigned by the target database (an identity column or a default); rows are matched by the legacy-key
     * column, which must be unique, and the id is learned from {@code <m>.landed} by the rows that reference them.
     */
    TARGET;

    public static final IdStrategy DEFAULT = UUID5;

    /** True when the id is random and must be remembered rather than recomputed. */
    public boolean isAssigned() {
        return this == UUID7 || this == CUID2;
    }

    public String specName() {
        return name().toLowerCase();
    }

    public static String allowed() {
        return Arrays.stream(values()).map(IdStrategy::specName).collect(Collectors.joining(", "));
    }
}
