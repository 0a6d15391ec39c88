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
     * @param rows snapshot rows of the table this process sent (a snapshot restarted by a crash counts from 0 again)
     */
    void tableSnapshotted(String schema, String table, long rows);
}
