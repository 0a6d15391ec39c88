package dev.shiftlog.schemas.spec;

import java.util.Arrays;
import java.util.stream.Collectors;

/** How a target row's primary key is made from the legacy row. */
public enum IdStrategy {
    /** The legacy key value, unchanged. */
    PRESERVE,
    /** A name-based UUID of migration, target table and legacy key: the same everywhere, no lookup needed. */
    UUID5;

    public String specName() {
        return name().toLowerCase();
    }

    public static String allowed() {
        return Arrays.stream(values()).map(IdStrategy::specName).collect(Collectors.joining(", "));
    }
}
