package dev.shiftlog.cli;

import dev.shiftlog.operate.status.StatusFrame;
import dev.shiftlog.operate.status.StatusProbe;
import dev.shiftlog.operate.status.StatusReport;
import dev.shiftlog.schemas.spec.MigrationDef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shiftlog status}: progress per table, lag per stage and partition, DLQ, parked rows, CDC delay. */
@Command(name = "status", description = "Where a running migration stands: per table captured / transformed / landed / expected, "
        + "rows/s and ETA, consumer lag per stage and partition, parked and DLQ counts, CDC delay.")
final class StatusCommand extends OperatingCommand {
    @Option(names = "--json", description = "Print one sample as JSON (fields documented in the README).")
    boolean json;

    @Option(names = "--watch", description = "Redraw progress bars every --interval seconds until Ctrl-C.")
    boolean watch;

    @Option(names = "--interval", defaultValue = "2", description = "Seconds between samples with --watch (default 2).")
    double interval;

    @Override
    boolean worksOnFiles() {
        return true;
    }

    @Override
    int run(MigrationDef spec) throws Exception {
        try (KafkaEndpoint kafka = attachKafka(spec); StatusProbe probe = new StatusProbe(spec, kafka.clientConfig(), kafka.registry())) {
            do {
                StatusReport report = probe.sample();
                if (json) {
                    System.out.println(VerifyCommand.toJson(report));
                } else {
                    System.out.print((watch ? "\033[H\033[2J" : "") + StatusFrame.render(report));
                }
                System.out.flush();
                if (watch) {
                    Thread.sleep((long) (interval * 1000));
                }
            } while (watch);
            return 0;
        }
    }
}
