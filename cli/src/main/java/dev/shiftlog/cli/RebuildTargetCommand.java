package dev.shiftlog.cli;

import dev.shiftlog.schemas.spec.MigrationDef;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code shiftlog rebuild-target}: the next sink rewrites the target from the log alone (issue 12: the log outlives the run). */
@Command(name = "rebuild-target", description = "Make the next sink rewrite the spec's target from Kafka alone: forgets the "
        + "sink's progress (its consumer group), so 'shiftlog run sink' reads every output topic from the beginning — into "
        + "a fresh target database, with the legacy database gone if need be. Refuses while a sink runs.")
final class RebuildTargetCommand extends OperatingCommand {
    @Override
    boolean worksOnFiles() {
        return true;
    }

    @Override
    int run(MigrationDef spec) throws Exception {
        try (KafkaEndpoint kafka = attachKafka(spec)) {
            boolean forgot;
            try {
                forgot = runbook(spec, kafka).forgetSinkProgress();
            } catch (IllegalStateException e) {
                System.err.println("rebuild-target refuses: " + e.getMessage() + ". Nothing was changed.");
                return 2;
            }
            audit(spec, kafka, "rebuild-target", Map.of("sinkProgressForgotten", forgot, "target", spec.target().url()));
            System.out.println((forgot ? "the sink's progress is forgotten" : "the sink had written nothing yet")
                    + ": the next sink rewrites " + spec.target().url() + " from the output topics of " + spec.name() + ".");
            System.out.println("Next: shiftlog run sink -f " + specFile() + " (the legacy database is not needed; the target's tables "
                    + "must exist; rows already there are upserted)");
            return 0;
        }
    }
}
