package dev.shiftlog.cli;

import dev.shiftlog.operate.audit.AuditLog;
import dev.shiftlog.producer.CaptureStage;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.sink.AppliedBatchListener;
import dev.shiftlog.sink.TargetSink;
import dev.shiftlog.transformer.TransformerStage;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Some or all of the three stages in one process. One JVM for all stages is the default for {@code up} and
 * {@code demo}: JIT warm-up of several JVMs dominates short migrations.
 */
final class Pipeline implements AutoCloseable {
    /** A stage that {@code run} can start on its own. */
    enum Stage { PRODUCER, TRANSFORMER, SINK }

    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<CompletableFuture<Void>> failures = new ArrayList<>();
    private CaptureStage producer;
    private TransformerStage transformer;
    /** Sink consumers started by this process; a JSON Lines target has one, its files have one writer. */
    private final int sinkWriters;

    Pipeline() {
        this(1);
    }

    /** @param sinkWriters sink consumers in this process, each owning the output partitions the group gives it */
    Pipeline(int sinkWriters) {
        if (sinkWriters < 1) {
            throw new IllegalArgumentException("--sink-writers must be at least 1, not " + sinkWriters);
        }
        this.sinkWriters = sinkWriters;
    }

    void start(MigrationDef spec, KafkaEndpoint kafka, Path workDir, EnumSet<Stage> stages, AppliedBatchListener listener)
            throws SQLException {
        // Downstream first: the sink and transformer are ready before the first snapshot rows arrive.
        if (stages.contains(Stage.SINK)) {
            for (int i = 0; i < (spec.target().isJsonLines() ? 1 : sinkWriters); i++) {
                TargetSink sink = TargetSink.of(spec, kafka.clientConfig(), kafka.registry(), listener);
                sink.start();
                started.add(sink);
                failures.add(sink.stopped());
            }
        }
        if (stages.contains(Stage.TRANSFORMER)) {
            transformer = new TransformerStage(spec, kafka.clientConfig(), kafka.registry(),
                    workDir.resolve("streams-state"));
            transformer.start();
            started.add(transformer);
            failures.add(transformer.failed());
        }
        if (stages.contains(Stage.PRODUCER)) {
            AuditLog audit = new AuditLog(spec, kafka.clientConfig(), kafka.registry()); // one for all tables of the snapshot
            started.add(audit);
            producer = CaptureStage.of(spec, kafka.clientConfig(), kafka.registry(), (schema, table, rows) ->
                    audit.record("snapshot-done", Map.of("table", schema + "." + table, "rows", rows)));
            producer.start();
            started.add(producer);
            failures.add(producer.stopped());
        }
    }

    /** Every started stage still runs (the liveness probe). */
    boolean live() {
        return !started.isEmpty() && failures.stream().noneMatch(CompletableFuture::isDone);
    }

    /** Live, and the transformer (if any) is processing rather than rebalancing or restoring (the readiness probe). */
    boolean ready() {
        return live() && (transformer == null || transformer.state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING);
    }

    /** Rows the producer sent to Kafka since start, all tables together; 0 when this process runs no producer. */
    long captured() {
        return producer == null ? 0 : producer.captured().values().stream().mapToLong(Long::longValue).sum();
    }

    /** Completes (exceptionally) as soon as any stage stops. */
    CompletableFuture<Object> anyStopped() {
        return CompletableFuture.anyOf(failures.toArray(CompletableFuture[]::new));
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                System.err.println("while stopping: " + e.getMessage());
            }
        }
    }
}
