package dev.shiftlog.operate.status;

import java.util.List;

/**
 * Where a migration stands, in the shape {@code status --json} prints (documented in the README; fields are only
 * ever added).
 *
 * @param cdcDelayMs how long the oldest change not yet in the target has been waiting (capture → now); 0 when
 *     every captured change has landed
 * @param caughtUp every stage's lag is 0, nothing is parked, every table has landed exactly what it is expected to, and
 *     the DLQ (if any) leaves the success rate at or above the spec's {@code success-rate}
 */
public record StatusReport(String migration, String at, List<TableProgress> tables, List<PartitionLag> lag, long totalLag,
                           long dlq, long parked, long cdcDelayMs, boolean caughtUp) {

    /**
     * Progress of one target table.
     *
     * @param legacyRows rows of the legacy tables that feed it (exact count, or the planner's estimate above a million)
     * @param captured change events on its source topics
     * @param transformed of those, the events the transformer has processed
     * @param landed rows in the target table
     * @param expected rows the target should end with: legacy rows the mapping keeps, less the DLQ's
     * @param rowsPerSecond landing rate between the last two samples ({@code --watch}); null on a single sample
     * @param etaSeconds time to {@code expected} at that rate; null when unknown
     */
    public record TableProgress(String table, long legacyRows, long captured, long transformed, long landed, long expected,
                                long rejected, long parked, Double rowsPerSecond, Long etaSeconds) {}

    /** Consumer lag of one stage on one partition. */
    public record PartitionLag(String stage, String topic, int partition, long committed, long end, long lag) {}
}
