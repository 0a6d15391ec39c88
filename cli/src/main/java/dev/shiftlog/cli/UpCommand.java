package dev.shiftlog.cli;

import dev.shiftlog.schemas.spec.MigrationDef;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shiftlog up}: every stage of a spec in this process, until Ctrl-C or a stage fails. */
@Command(name = "up", description = "Run producer, transformer and sink of a spec in one process (CDC keeps running).")
final class UpCommand implements Callable<Integer> {
    @Option(names = {"-f", "--file"}, required = true, description = "The migration spec (YAML).")
    Path specFile;

    @Option(names = "--work-dir", description = "Local state (embedded broker, Streams state). Default: .shiftlog/<migration>")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        return runStages(specFile, workDir, EnumSet.allOf(Pipeline.Stage.class));
    }

    /** Shared by {@code up} and {@code run}: starts the stages and blocks until one stops or the JVM is asked to exit. */
    static int runStages(Path specFile, Path workDir, EnumSet<Pipeline.Stage> stages) throws Exception {
        SpecLoader loader = new SpecLoader(Map.of());
        Optional<MigrationDef> loaded = loader.load(specFile, System.err);
        if (loaded.isEmpty()) {
            return 2;
        }
        MigrationDef spec = loaded.get();
        if (!PlanCommand.checkCatalogs(spec, specFile.toString())) {
            return 2;
        }
        Path dir = workDir != null ? workDir : Path.of(".shiftlog", spec.name());
        KafkaEndpoint kafka = KafkaEndpoint.open(spec, loader.env(), dir);
        Pipeline pipeline = new Pipeline();
        Thread hook = new Thread(() -> {
            pipeline.close();
            kafka.close();
        }, "shiftlog-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            pipeline.start(spec, kafka, dir, stages, (table, upserts, deletes) -> { });
            System.out.println("shiftlog " + spec.name() + ": " + stages + " running against Kafka " + kafka.bootstrapServers()
                    + "; Ctrl-C stops");
            pipeline.anyStopped().get();
            return 0;
        } catch (ExecutionException e) {
            System.err.println("shiftlog " + spec.name() + " stopped: " + DemoCommand.rootMessage(e));
            return 1;
        } catch (Exception e) {
            System.err.println("shiftlog " + spec.name() + " cannot start: " + e.getMessage());
            return 1;
        } finally {
            if (Runtime.getRuntime().removeShutdownHook(hook)) {
                pipeline.close();
                kafka.close();
            }
        }
    }
}
