package dev.shiftlog.operate.verify;

/**
 * What {@link ExpectedRows} read: legacy rows, those a {@code where} leaves out, and those the DLQ accounts for.
 */
record ExpectedTally(long legacyRows, long filtered, long rejected) {

    ExpectedTally plus(ExpectedTally other) {
        return new ExpectedTally(legacyRows + other.legacyRows, filtered + other.filtered, rejected + other.rejected);
    }
}
