package dev.shiftlog.schemas.spec;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What happens to a row a rule rejects: explicit per table, because both answers are right for someone. */
public enum OnError {
    /** Write it to {@code <m>.dlq} with the rule and the reason, count it, and go on. */
    DLQ,
    /** Stop the stage; nothing after the row is processed until the spec or the data is fixed. */
    STOP;

    public static final OnError DEFAULT = DLQ;

    public String specName() {
        return name().toLowerCase();
    }

    public static String allowed() {
        return Arrays.stream(values()).map(OnError::specName).collect(Collectors.joining(", "));
    }
}
