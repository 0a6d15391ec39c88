package dev.shiftlog.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.shiftlog.operate.DlqTally;
import dev.shiftlog.operate.verify.TargetVerifier;
import dev.shiftlog.operate.verify.VerifyReport;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shiftlog verify}: the target against the live legacy rows through the mapping; exit 0 iff clean. */
@Command(name = "verify", description = "Compare the target with the legacy rows through the mapping: counts, every row and "
        + "column, references, trees, success rate. Exit 0 iff clean, 1 if not, 2 if it could not run.")
final class VerifyCommand extends OperatingCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print the report as JSON (see README: verify --json).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Optional<MigrationDef> loaded = loadSpec();
        if (loaded.isEmpty()) {
            return 2;
        }
        MigrationDef spec = loaded.get();
        VerifyReport report;
        try {
            report = run(spec, attachKafka(spec));
        } catch (Exception e) {
            System.err.println("verify " + spec.name() + " could not run: " + DemoCommand.rootMessage(e));
            return 2;
        }
        System.out.print(json ? toJson(report) + System.lineSeparator() : report.render());
        audit(spec, "verify", java.util.Map.of("clean", report.clean(), "successRate", report.successRate(),
                "findings", report.findings().size()));
        return report.clean() ? 0 : 1;
    }

    /** Reads the DLQ to its end, then verifies; closes the Kafka endpoint. */
    static VerifyReport run(MigrationDef spec, KafkaEndpoint kafka) throws Exception {
        try (kafka; DlqTally dlq = new DlqTally(spec, kafka.clientConfig(), kafka.registry())) {
            dlq.readToEnd(Duration.ofSeconds(30));
            return new TargetVerifier(spec, dlq).verify();
        }
    }

    static String toJson(Object report) throws Exception {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
    }
}
