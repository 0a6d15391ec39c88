package dev.shiftlog.operate.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shiftlog.operate.audit.AuditLog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The document a team attaches to its change ticket, rendered from the migration's audit trail alone (so it can be
 * written after the pipeline is gone, and its figures are the trail's): per table the legacy rows, what landed, was
 * filtered and sits in the DLQ with the reasons grouped, as the last verify (or cutover) found them; the snapshot
 * per legacy table; the time between the lifecycle's milestones; the sync point; every backup with its checksum.
 *
 * @param verified the last verify or cutover, or null when none ran yet
 * @param tables   per target table, from {@code verified}
 * @param phases   the time between consecutive milestones (run start, snapshot done, verify, cutover, backup, …)
 * @param syncPoint the last cutover's legacy LSN and time, or null
 */
public record MigrationReport(String migration, String generatedAt, Verified verified, List<TableLine> tables, List<Snapshot> snapshot,
                              List<Phase> phases, SyncPoint syncPoint, List<Backup> backups, List<Backup> restores, int events) {

    /** Which event verified, when, and its verdict. */
    public record Verified(String event, String at, boolean clean, double successRate, int findings) {}

    /** One target table's figures. */
    public record TableLine(String table, long legacyRows, long landed, long filtered, long dlq, Map<String, Long> dlqReasons,
                            long matching, long missing, long extra, long changed) {}

    /** One legacy table's initial snapshot as the producer reported it. */
    public record Snapshot(String table, long rows, String at) {}

    /** The time from one milestone to the next. */
    public record Phase(String from, String to, String start, String end, double seconds) {}

    public record SyncPoint(String lsn, String at) {}

    /** A backup or restore: the file and its SHA-256. */
    public record Backup(String file, String sha256, Long bytes, String at) {}

    private static final java.util.Set<String> MILESTONES = java.util.Set.of("run-start", "snapshot-done", "verify", "cutover",
            "backup", "restore", "cleanup");

    /** The report of a trail (events in recorded order). */
    public static MigrationReport of(String migration, List<AuditLog.Event> events, Instant now) {
        AuditLog.Event lastVerify = null;
        List<Snapshot> snapshot = new ArrayList<>();
        List<AuditLog.Event> milestones = new ArrayList<>();
        SyncPoint sync = null;
        List<Backup> backups = new ArrayList<>();
        List<Backup> restores = new ArrayList<>();
        AuditLog.Event lastSnapshot = null;
        for (AuditLog.Event e : events) {
            JsonNode d = e.details();
            switch (e.event()) {
                case "verify", "cutover" -> {
                    if (d.has("tables")) {
                        lastVerify = e;
                    }
                    if (e.event().equals("cutover") && d.hasNonNull("lsn")) {
                        sync = new SyncPoint(d.get("lsn").asText(), d.hasNonNull("at") ? d.get("at").asText() : e.at().toString());
                    }
                }
                case "snapshot-done" -> {
                    snapshot.add(new Snapshot(d.path("table").asText(), d.path("rows").asLong(), e.at().toString()));
                    lastSnapshot = e;
                }
                case "backup" -> backups.add(backup(d, e.at()));
                case "restore" -> restores.add(backup(d, e.at()));
                default -> { }
            }
            // one milestone per kind in a row: a snapshot of 11 tables is one step, not 11
            if (MILESTONES.contains(e.event())) {
                if (!milestones.isEmpty() && milestones.get(milestones.size() - 1).event().equals(e.event())) {
                    milestones.set(milestones.size() - 1, e);
                } else {
                    milestones.add(e);
                }
            }
        }
        List<Phase> phases = new ArrayList<>();
        for (int i = 1; i < milestones.size(); i++) {
            AuditLog.Event a = milestones.get(i - 1);
            AuditLog.Event b = milestones.get(i);
            phases.add(new Phase(a.event(), b.event(), a.at().toString(), b.at().toString(), Duration.between(a.at(), b.at()).toMillis() / 1000.0));
        }
        Verified verified = null;
        List<TableLine> tables = new ArrayList<>();
        if (lastVerify != null) {
            JsonNode d = lastVerify.details();
            verified = new Verified(lastVerify.event(), lastVerify.at().toString(), d.path(lastVerify.event().equals("cutover") ? "verified" : "clean").asBoolean(),
                    d.path("successRate").asDouble(), d.path("findings").asInt());
            JsonNode rejections = d.path("rejections");
            for (JsonNode t : d.get("tables")) {
                Map<String, Long> reasons = new LinkedHashMap<>();
                rejections.path(t.path("table").asText()).fields().forEachRemaining(r -> reasons.put(r.getKey(), r.getValue().asLong()));
                tables.add(new TableLine(t.path("table").asText(), t.path("legacyRows").asLong(), t.path("actual").asLong(),
                        t.path("filtered").asLong(), t.path("rejected").asLong(), reasons, t.path("matching").asLong(),
                        t.path("missing").asLong(), t.path("extra").asLong(), t.path("changed").asLong()));
            }
        }
        return new MigrationReport(migration, now.toString(), verified, tables, snapshot, phases, sync, backups, restores, events.size());
    }

    private static Backup backup(JsonNode d, Instant at) {
        return new Backup(d.path("file").asText(null), d.path("sha256").asText(null), d.hasNonNull("bytes") ? d.get("bytes").asLong() : null,
                at.toString());
    }

    /** The human-readable report. */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("migration report: %s (generated %s from %d audit event(s))%n", migration, generatedAt, events));
        if (verified == null) {
            out.append("not verified yet: run shiftlog verify (or cutover) first\n");
        } else {
            out.append(String.format("verified by %s at %s: %s, success rate %.3f %%, %d finding(s)%n", verified.event(), verified.at(),
                    verified.clean() ? "CLEAN" : "NOT CLEAN", verified.successRate(), verified.findings()));
            out.append(String.format("%-24s %10s %10s %9s %7s  %s%n", "table", "legacy", "landed", "filtered", "dlq", "dlq reasons"));
            for (TableLine t : tables) {
                StringBuilder reasons = new StringBuilder();
                t.dlqReasons().forEach((rule, n) -> reasons.append(reasons.isEmpty() ? "" : "; ").append(n).append(" × ").append(rule));
                out.append(String.format("%-24s %10d %10d %9d %7d  %s%n", t.table(), t.legacyRows(), t.landed(), t.filtered(), t.dlq(), reasons));
            }
        }
        out.append(syncPoint == null ? "no cutover yet\n"
                : String.format("sync point: legacy LSN %s landed and verified at %s%n", syncPoint.lsn(), syncPoint.at()));
        long snapshotRows = snapshot.stream().mapToLong(Snapshot::rows).sum();
        out.append(String.format("snapshot: %d legacy table(s), %,d row(s)%n", snapshot.size(), snapshotRows));
        if (!phases.isEmpty()) {
            out.append("phases:\n");
            phases.forEach(p -> out.append(String.format("  %-14s → %-14s %10.1f s  (%s)%n", p.from(), p.to(), p.seconds(), p.end())));
        }
        out.append(backups.isEmpty() ? "backups: none\n" : "backups:\n");
        backups.forEach(b -> out.append(String.format("  %s  %s  sha256 %s%s%n", b.at(), b.file(), b.sha256(),
                b.bytes() == null ? "" : String.format("  %,d bytes", b.bytes()))));
        restores.forEach(b -> out.append(String.format("  restored %s  %s  sha256 %s%n", b.at(), b.file(), b.sha256())));
        return out.toString();
    }
}
