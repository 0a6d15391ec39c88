package dev.shiftlog.cli;

import dev.shiftlog.operate.status.StatusProbe;
import dev.shiftlog.operate.status.StatusReport;
import dev.shiftlog.operate.verify.VerifyReport;
import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shiftlog cutover}: waits until the producer has passed the legacy database's current WAL position and
 * every stage's lag is zero, verifies, and prints the sync point. CDC keeps running: the switch is the user's.
 */
@Command(name = "cutover", description = "Wait for the producer to pass the legacy WAL position and for zero lag, verify, "
        + "print the sync point (LSN and time) and the next steps. Leaves CDC running.")
final class CutoverCommand extends OperatingCommand {
    @Option(names = "--timeout", defaultValue = "PT30M", description = "Give up after this long (ISO-8601, default PT30M).")
    Duration timeout;

    @Override
    int run(MigrationDef spec) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        String slot = dev.shiftlog.producer.ProducerStage.captureName(spec);
        String lsn;
        try (Connection legacy = PostgresCatalog.open(spec.source()); Statement s = legacy.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            lsn = rs.getString(1);
        }
        System.out.println("cutover " + spec.name() + ": legacy WAL position " + lsn + "; waiting for the producer to pass it");
        waitForSlot(spec, slot, lsn, deadline);
        System.out.println("producer passed " + lsn + "; waiting for every stage's lag to reach 0");
        try (KafkaEndpoint kafka = attachKafka(spec)) {
            try (StatusProbe probe = new StatusProbe(spec, kafka.clientConfig(), kafka.registry())) {
                int quiet = 0;
                // twice in a row: a batch in flight between stages shows as zero lag for a moment
                while (quiet < 2) {
                    StatusReport last = probe.sample();
                    quiet = last.totalLag() == 0 && last.parked() == 0 ? quiet + 1 : 0;
                    if (quiet < 2 && Instant.now().isAfter(deadline)) {
                        System.err.println("cutover gave up after " + timeout + ": lag " + last.totalLag() + ", parked " + last.parked()
                                + " (see: shiftlog status -f " + specFile() + ")");
                        return 1;
                    }
                    if (quiet < 2) {
                        Thread.sleep(1000);
                    }
                }
            }
            Instant synced = Instant.now();
            VerifyReport report = VerifyCommand.verify(spec, kafka);
            System.out.print(report.render());
            audit(spec, kafka, "cutover", Map.of("lsn", lsn, "at", synced.toString(), "verified", report.clean(),
                    "successRate", report.successRate()));
            if (!report.clean()) {
                System.err.println("cutover stopped: verify is not clean; fix the differences above (or the DLQ) and run cutover again");
                return 1;
            }
            System.out.println("SYNC POINT: legacy LSN " + lsn + " landed and verified at " + synced);
            System.out.println("Next steps: 1) stop writes to the legacy database  2) run 'shiftlog cutover -f " + specFile()
                    + "' once more to catch the last writes  3) point the applications at the target  4) stop 'shiftlog up' "
                    + "(CDC is still running until you do)  5) when satisfied: shiftlog backup, then shiftlog cleanup -f " + specFile()
                    + " (a dry run; --confirm drops the replication slot and what the spec's cleanup names)");
            return 0;
        }
    }

    /** Waits until the replication slot has confirmed everything up to {@code lsn}: the producer captured it all. */
    private static void waitForSlot(MigrationDef spec, String slot, String lsn, Instant deadline) throws Exception {
        try (Connection legacy = PostgresCatalog.open(spec.source());
             PreparedStatement ps = legacy.prepareStatement("SELECT confirmed_flush_lsn >= ?::pg_lsn, confirmed_flush_lsn::text"
                     + " FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, lsn);
            ps.setString(2, slot);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalStateException("replication slot " + slot + " does not exist in " + spec.source().url()
                                + ": is 'shiftlog up -f " + spec.file() + "' running?");
                    }
                    if (rs.getBoolean(1)) {
                        return;
                    }
                    if (Instant.now().isAfter(deadline)) {
                        throw new IllegalStateException("the producer has confirmed only up to " + rs.getString(2) + ", not " + lsn);
                    }
                }
                Thread.sleep(500);
            }
        }
    }
}
