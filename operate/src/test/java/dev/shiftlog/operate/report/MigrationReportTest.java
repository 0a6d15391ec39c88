package dev.shiftlog.operate.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shiftlog.operate.audit.AuditLog;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static AuditLog.Event event(long id, String name, String at, String details) throws Exception {
        return new AuditLog.Event(id, name, Instant.parse(at), "host", JSON.readTree(details));
    }

    @Test
    void shouldTakeEveryFigureFromTheTrail() throws Exception {
        List<AuditLog.Event> trail = List.of(
                event(1, "backup", "2026-12-01T10:00:00Z", "{\"file\": \"/b/1.dump\", \"sha256\": \"aa\", \"bytes\": 10}"),
                event(2, "run-start", "2026-12-01T10:01:00Z", "{}"),
                event(3, "snapshot-done", "2026-12-01T10:02:00Z", "{\"table\": \"public.a\", \"rows\": 7}"),
                event(4, "snapshot-done", "2026-12-01T10:03:30Z", "{\"table\": \"public.b\", \"rows\": 5}"),
                event(5, "verify", "2026-12-01T10:05:00Z", "{\"clean\": false, \"successRate\": 90.0, \"findings\": 2, \"tables\": []}"),
                event(6, "cutover", "2026-12-01T10:10:00Z", "{\"lsn\": \"0/1A\", \"at\": \"2026-12-01T10:09:59Z\", \"verified\": true,"
                        + " \"successRate\": 99.5, \"findings\": 0, \"tables\": [{\"table\": \"b_new\", \"legacyRows\": 5, \"filtered\": 1,"
                        + " \"rejected\": 1, \"expected\": 3, \"actual\": 3, \"matching\": 3}], \"rejections\": {\"b_new\": {\"parent a_new\": 1}}}"),
                event(7, "cutover-aftercare", "2026-12-01T10:10:01Z", "{}"));

        MigrationReport report = MigrationReport.of("m", trail, Instant.parse("2026-12-01T11:00:00Z"));

        assertThat(report.verified()).isEqualTo(new MigrationReport.Verified("cutover", "2026-12-01T10:10:00Z", true, 99.5, 0));
        assertThat(report.tables()).containsExactly(new MigrationReport.TableLine("b_new", 5, 3, 1, 1,
                java.util.Map.of("parent a_new", 1L), 3, 0, 0, 0));
        assertThat(report.syncPoint()).isEqualTo(new MigrationReport.SyncPoint("0/1A", "2026-12-01T10:09:59Z"));
        assertThat(report.snapshot()).extracting(MigrationReport.Snapshot::rows).containsExactly(7L, 5L);
        // consecutive snapshot-done events are one milestone, timed to the last
        assertThat(report.phases()).extracting(p -> p.from() + "→" + p.to() + " " + p.seconds()).containsExactly(
                "backup→run-start 60.0", "run-start→snapshot-done 150.0", "snapshot-done→verify 90.0", "verify→cutover 300.0");
        assertThat(report.backups()).extracting(MigrationReport.Backup::sha256).containsExactly("aa");
        assertThat(report.render()).contains("verified by cutover at 2026-12-01T10:10:00Z: CLEAN, success rate 99.500 %")
                .contains("1 × parent a_new").contains("sync point: legacy LSN 0/1A").contains("snapshot: 2 legacy table(s), 12 row(s)");
    }

    @Test
    void shouldSayWhatIsMissingOnAnEmptyTrail() {
        MigrationReport report = MigrationReport.of("m", List.of(), Instant.EPOCH);
        assertThat(report.render()).contains("not verified yet").contains("no cutover yet").contains("backups: none");
    }
}
