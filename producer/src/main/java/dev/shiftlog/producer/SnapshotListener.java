package dev.shiftlog.producer;

/**
 * Hears when the initial snapshot of one legacy table is in Kafka, so the run's audit trail can say which tables
 * are fully captured (a snapshot can take hours; operators want to know how far it got).
 */
@FunctionalInterface
public interface SnapshotListener {
    SnapshotListener NONE = (schema, table, rows) -> { };

    /**
     * Called once per table, on the capture thread, after Kafka acknowledged the table's last snapshot row; keep it
     * short. Tables that were empty are reported with 0 rows when the whole snapshot ends.
     *
     * @param rows the table's snapshot rows: of every run of a chunked snapshot (a resumed one counts the chunks
     *     finished before too); of this process for Debezium's own snapshot, which starts again from 0 after a crash
     */
    void tableSnapshotted(String schema, String table, long rows);
}
