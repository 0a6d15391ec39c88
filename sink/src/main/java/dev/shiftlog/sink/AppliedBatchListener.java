package dev.shiftlog.sink;

/** Told about every batch after it was committed to the target, e.g. to print CDC changes in the demo. */
@FunctionalInterface
public interface AppliedBatchListener {
    /** Called on the sink thread once per table per committed batch; counts are rows after in-batch collapsing. */
    void applied(String table, int upserts, int deletes);
}
