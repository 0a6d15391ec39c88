package dev.shiftlog.cli;

import dev.shiftlog.operate.lifecycle.Deadline;
import dev.shiftlog.operate.lifecycle.MigrationRunbook;
import dev.shiftlog.operate.verify.VerifyReport;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
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
        Deadline deadline = Deadline.after(timeout);
        try (KafkaEndpoint kafka = attachKafka(spec)) {
            MigrationRunbook runbook = runbook(spec, kafka);
            String lsn = runbook.legacyPosition();
            System.out.println("cutover " + spec.name() + ": legacy WAL position " + lsn + "; waiting for the producer to pass it");
            Optional<String> behind = runbook.awaitCaptured(lsn, deadline);
            if (behind.isPresent()) {
                System.err.println("cutover gave up after " + timeout + ": the producer has confirmed only up to " + behind.get()
                        + ", not " + lsn + " (is 'shiftlog up' running and the producer healthy?)");
                return 1;
            }
            System.out.println("producer passed " + lsn + "; waiting for every stage's lag to reach 0");
            MigrationRunbook.Quiet quiet = runbook.awaitQuiet(deadline);
            if (!quiet.reached()) {
                System.err.println("cutover gave up after " + timeout + ": lag " + quiet.last().totalLag() + ", parked "
                        + quiet.last().parked() + " (see: shiftlog status -f " + specFile() + ")");
                return 1;
            }
            Instant synced = Instant.now();
            VerifyReport report = runbook.verify();
            System.out.print(report.render());
            audit(spec, kafka, "cutover", VerifyCommand.auditDetails(report, Map.of("lsn", lsn, "at", synced.toString(),
                    "verified", report.clean())));
            if (!report.clean()) {
                System.err.println("cutover stopped: verify is not clean; fix the differences above (or the DLQ) and run cutover again");
                return 1;
            }
            // the morning after: sequences past the migrated ids, NOT VALID constraints validated, statistics fresh
            dev.shiftlog.operate.lifecycle.TargetAftercare.Outcome aftercare;
            try (java.sql.Connection target = dev.shiftlog.schemas.catalog.PostgresCatalog.open(spec.target())) {
                dev.shiftlog.operate.lifecycle.TargetAftercare care = new dev.shiftlog.operate.lifecycle.TargetAftercare(target, spec);
                aftercare = care.apply(care.steps());
            }
            System.out.println("target readied for the application:");
            aftercare.done().forEach(line -> System.out.println("  " + line));
            aftercare.failed().forEach(line -> System.err.println("  NOT DONE: " + line));
            audit(spec, kafka, "cutover-aftercare", Map.of("done", aftercare.done(), "failed", aftercare.failed()));
            System.out.println("SYNC POINT: legacy LSN " + lsn + " landed and verified at " + synced);
            System.out.println("migration report written to " + ReportCommand.write(spec, workDir(spec).resolve("reports"))
                    + " (and .txt; shiftlog report -f " + specFile() + " prints it again)");
            System.out.println("Next steps: 1) stop writes to the legacy database  2) run 'shiftlog cutover -f " + specFile()
                    + "' once more to catch the last writes  3) point the applications at the target  4) stop 'shiftlog up' "
                    + "(CDC is still running until you do)  5) when satisfied: shiftlog backup, then shiftlog cleanup -f " + specFile()
                    + " (a dry run; --confirm drops the replication slot and what the spec's cleanup names)");
            if (!aftercare.failed().isEmpty()) {
                System.err.println("cutover: the target is synced but not ready: fix what is NOT DONE above and run cutover again");
                return 1;
            }
            return 0;
        }
    }
}
