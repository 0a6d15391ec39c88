package dev.shiftlog.cli;

import dev.shiftlog.schemas.spec.MigrationDef;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code shiftlog up}: every stage of a spec in this process, until Ctrl-C or a stage fails. */
@Command(name = "up", description = "Run producer, transformer and sink of a spec in one process (CDC keeps running).")
final class UpCommand implements Callable<Integer> {
    /**
     * A running worker's own lines for its operator (waiting for a dependency, stopped on request): log events, so
     * SHIFTLOG_LOG_FORMAT=json covers them. The error that ends the command stays plain text on stderr.
     */
    private static final org.slf4j.Logger CONSOLE = org.slf4j.LoggerFactory.getLogger("shiftlog.console");

    @Mixin
    StageOptions options;

    @Override
    public Integer call() throws Exception {
        return runStages(options, EnumSet.allOf(Pipeline.Stage.class));
    }

    /** Shared by {@code up} and {@code run}: starts the stages and blocks until one stops or the JVM is asked to exit. */
    static int runStages(StageOptions options, EnumSet<Pipeline.Stage> stages) throws Exception {
        Path specFile = options.spec.file;
        String http = options.http.address;
        SpecLoader loader = new SpecLoader(Map.of());
        Optional<MigrationDef> loaded = loader.load(specFile, System.err);
        if (loaded.isEmpty()) {
            return 2;
        }
        MigrationDef spec = loaded.get();
        // only the producer reads the legacy database: a sink can rebuild a target from the log with it gone
        boolean readsLegacy = stages.contains(Pipeline.Stage.PRODUCER);
        try {
            new DependencyWait(options.waitFor, CONSOLE::warn).await(DependencyWait.of(spec, KafkaEndpoint.configuredServers(spec, loader.env()),
                    readsLegacy));
        } catch (DependencyWait.Unavailable e) {
            System.err.println("shiftlog: " + e.getMessage() + "; nothing was started"); // the command's error, not a log line
            return e.refused ? 2 : 1; // 2 as for the catalog check: the settings are wrong, a retry will not help
        }
        if (readsLegacy && PlanCommand.checkCatalogs(spec, specFile.toString()).isEmpty()) {
            return 2;
        }
        Path dir = options.workDir.resolve(spec);
        KafkaEndpoint kafka = KafkaEndpoint.open(spec, loader.env(), dir);
        Pipeline pipeline = new Pipeline(options.sinkWriters);
        WorkerOperations[] operations = new WorkerOperations[1];
        // SIGTERM (docker stop, Ctrl-C): the stages finish what they hold — the sink its batch and its commit, the
        // transformer its transaction — leave their groups, and the process exits 0, as a service should
        Thread hook = new Thread(() -> {
            if (operations[0] != null) {
                operations[0].close();
            }
            pipeline.close();
            kafka.close();
            CONSOLE.warn("shiftlog {}: {} stopped on request; offsets committed, groups left", spec.name(), stages);
            Runtime.getRuntime().halt(0);
        }, "shiftlog-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            pipeline.start(spec, kafka, dir, stages, (table, upserts, deletes) -> { });
            String stageNames = stages.stream().map(s -> s.name().toLowerCase(java.util.Locale.ROOT))
                    .collect(java.util.stream.Collectors.joining("+"));
            operations[0] = new WorkerOperations(spec, kafka, http, stageNames, pipeline);
            System.out.println("shiftlog " + spec.name() + ": " + stages + " running against Kafka " + kafka.bootstrapServers()
                    + "; " + operations[0].describe() + "; Ctrl-C stops");
            pipeline.anyStopped().get();
            return 0;
        } catch (ExecutionException e) {
            System.err.println("shiftlog " + spec.name() + " stopped: " + DemoCommand.rootMessage(e));
            return 1;
        } catch (Exception e) {
            System.err.println("shiftlog " + spec.name() + " cannot start: " + e.getMessage());
            return 1;
        } finally {
            if (removeUnlessShuttingDown(hook)) {
                if (operations[0] != null) {
                    operations[0].close();
                }
                pipeline.close();
                kafka.close();
            }
        }
    }

    /** False when the JVM is already shutting down: then the hook is the one closing the stages. */
    private static boolean removeUnlessShuttingDown(Thread hook) {
        try {
            return Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return false;
        }
    }
}
