package dev.shiftlog.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.shiftlog.operate.verify.VerifyReport;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shiftlog verify}: the target against the live legacy rows through the mapping; exit 0 iff clean. */
@Command(name = "verify", description = "Compare the target with the legacy rows through the mapping: counts, every row and "
        + "column, references, trees, success rate. Exit 0 iff clean, 1 if not, 2 if it could not run.")
final class VerifyCommand extends OperatingCommand {
    @Option(names = "--json", description = "Print the report as JSON (see README: verify --json).")
    boolean json;

    @Override
    boolean worksOnFiles() {
        return true;
    }

    @Override
    int run(MigrationDef spec) throws Exception {
        try (KafkaEndpoint kafka = attachKafka(spec)) {
            VerifyReport report = verify(spec, kafka);
            System.out.print(json ? toJson(report) + System.lineSeparator() : report.render());
            audit(spec, kafka, "verify", auditDetails(report, Map.of("clean", report.clean())));
            return report.clean() ? 0 : 1;
        }
    }

    /** Reads the DLQ to its end, then verifies. */
    static VerifyReport verify(MigrationDef spec, KafkaEndpoint kafka) throws Exception {
        return OperatingCommand.runbook(spec, kafka).verify();
    }

    /** What the audit trail keeps of a verify (the report's figures come from it): the verdict, per table counts, DLQ reasons. */
    static Map<String, Object> auditDetails(VerifyReport report, Map<String, ?> more) {
        Map<String, Object> details = new java.util.LinkedHashMap<>(more);
        details.put("successRate", report.successRate());
        details.put("findings", report.findings().size());
        details.put("tables", report.tables());
        details.put("rejections", report.rejections());
        return details;
    }

    static String toJson(Object report) throws Exception {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
    }
}
