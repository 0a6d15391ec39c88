package dev.shiftlog.schemas;

import java.util.Locale;

/**
 * Named points between two durable steps where a crash is the hardest to survive; with
 * {@code SHIFTLOG_CRASH_AT=<name>} the process halts at the first time it reaches that point, with no shutdown hook
 * and no flush, exactly like {@code kill -9}. The kill tests use them to crash at a precise step instead of at a
 * random moment.
 */
public enum CrashPoint {
    /** The producer has Kafka's acknowledgement of a change but has not marked it processed for Debezium. */
    PRODUCER_AFTER_ACK,
    /** The sink committed a batch in the target database but not its Kafka offsets (nor announced the landings). */
    SINK_AFTER_DB_COMMIT,
    /** The sink committed a batch's offsets. */
    SINK_AFTER_OFFSET_COMMIT,
    /** The JSON Lines sink wrote half of a table's new file, which is not yet renamed over the old one. */
    JSON_LINES_MID_WRITE,
    /** The JSON Lines sink renamed a checkpoint's files into place but committed no offsets yet. */
    JSON_LINES_AFTER_RENAME;

    /** True for the points only the sink of a JSON Lines target reaches (a database target never does). */
    public boolean jsonLinesOnly() {
        return this == JSON_LINES_MID_WRITE || this == JSON_LINES_AFTER_RENAME;
    }

    /** The name to set in {@code SHIFTLOG_CRASH_AT}: {@code sink-after-db-commit}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Halts the JVM (exit 137) when {@code SHIFTLOG_CRASH_AT} names this point. */
    public void reached() {
        if (label().equals(ShiftlogVariable.SHIFTLOG_CRASH_AT.in(System.getenv()))) {
            System.err.println("SHIFTLOG_CRASH_AT=" + label() + ": halting here, as kill -9 would");
            Runtime.getRuntime().halt(137);
        }
    }
}
