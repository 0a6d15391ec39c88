package dev.shiftlog.operate.verify;

/** What {@link RowDiff} found: rows missing from the target, extra in it, and present with a differing column. */
record DiffTally(long missing, long extra, long changed) {}
