package dev.shiftlog.sink;

import dev.shiftlog.schemas.registry.SchemaRegistry;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The sink stage of either kind of target — a PostgreSQL database or a folder of JSON Lines files — for the runner. */
public interface TargetSink extends AutoCloseable {
    /** The sink the spec's target asks for. */
    static TargetSink of(MigrationDef spec, Map<String, Object> kafkaConfig, SchemaRegistry registry, AppliedBatchListener listener) {
        return spec.target().isJsonLines() ? new JsonLinesSink(spec, kafkaConfig, registry, listener)
                : new SinkStage(spec, kafkaConfig, registry, listener);
    }

    /** Opens the target (failing fast when it cannot be written) and starts the sink thread. */
    void start() throws java.sql.SQLException;

    /** Completes when the sink thread ends; exceptionally when it stopped on an error. */
    CompletableFuture<Void> stopped();

    /** Stops after the work in hand, committing what it finished. */
    @Override
    void close();
}
