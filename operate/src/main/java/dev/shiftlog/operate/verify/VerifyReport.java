package dev.shiftlog.operate.verify;

import java.util.List;

/**
 * What {@code verify} found, in the shape {@code verify --json} prints: counts through the mapping per target table,
 * every difference (up to a sample per table and kind), the success rate and whether the target is clean.
 *
 * @param successRate percent of the legacy rows the mapping keeps that are in the target exactly as expected
 * @param threshold the spec's {@code success-rate}
 * @param clean no difference at all and {@code successRate >= threshold}: {@code verify} exits 0 iff true
 * @param rejections per target table, the DLQ's rows by rule (the reasons grouped, as a change ticket lists them)
 * @param objects objects of upload columns fetched from their public URLs and compared with the legacy values
 */
public record VerifyReport(String migration, List<TableCounts> tables, List<Finding> findings, double successRate,
                           double threshold, boolean clean, java.util.Map<String, java.util.Map<String, Long>> rejections,
                           long objects) {

    /**
     * Counts of one target table through the mapping.
     *
     * @param legacyRows rows read from the legacy tables that feed this target
     * @param filtered legacy rows a {@code where} leaves out
     * @param rejected rows the DLQ accounts for (with their reasons there)
     * @param expected target rows the mapping gives for the remaining legacy rows
     * @param actual rows in the target table
     * @param matching rows equal in every compared column
     */
    public record TableCounts(String table, long legacyRows, long filtered, long rejected, long expected, long actual,
                              long matching, long missing, long extra, long changed) {}

    /**
     * One difference, named so a user can go and look at it.
     *
     * @param kind what the difference is about
     * @param key the target row's key (id, or legacy key when the ids are not derived from it)
     * @param column the differing column, or null
     */
    public record Finding(FindingKind kind, String table, String key, String column, String expected, String actual, String message) {}

    /** The human-readable report. */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%-18s %9s %8s %8s %9s %9s %9s %7s %6s %7s%n", "table", "legacy", "filtered", "rejected",
                "expected", "actual", "matching", "missing", "extra", "changed"));
        for (TableCounts t : tables) {
            out.append(String.format("%-18s %9d %8d %8d %9d %9d %9d %7d %6d %7d%n", t.table(), t.legacyRows(), t.filtered(),
                    t.rejected(), t.expected(), t.actual(), t.matching(), t.missing(), t.extra(), t.changed()));
        }
        for (Finding f : findings) {
            out.append("  ").append(f.kind()).append(' ').append(f.table()).append(' ').append(f.key() == null ? "" : f.key());
            if (f.column() != null) {
                out.append(" column ").append(f.column()).append(": expected ").append(f.expected()).append(", found ").append(f.actual());
            }
            if (f.message() != null) {
                out.append(" — ").append(f.message());
            }
            out.append(System.lineSeparator());
        }
        if (objects > 0) {
            out.append(String.format("objects: %d fetched from their public URLs and compared with the legacy values%n", objects));
        }
        out.append(String.format("success rate %.3f %% (threshold %.3f %%): %s%n", successRate, threshold,
                clean ? "CLEAN" : "NOT CLEAN"));
        return out.toString();
    }
}
