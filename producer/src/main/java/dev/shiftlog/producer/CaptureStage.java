package dev.shiftlog.producer;

import dev.shiftlog.schemas.registry.SchemaRegistry;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What puts the legacy rows onto {@code <m>.src.*}: Debezium's log capture for a PostgreSQL source
 * ({@link ProducerStage}), repeated reads compared with what the topics hold for a SQLite file, which has no log
 * ({@link SqliteCaptureStage}). Both write the same topics, keys, Avro conventions and op headers.
 */
public interface CaptureStage extends AutoCloseable {

    /** The capture the spec's source needs. */
    static CaptureStage of(MigrationDef spec, Map<String, Object> kafkaConfig, SchemaRegistry registry, SnapshotListener listener) {
        return spec.source().isSqlite() ? new SqliteCaptureStage(spec, kafkaConfig, registry, listener)
                : new ProducerStage(spec, kafkaConfig, registry, listener);
    }

    /** The capture's Kafka producer settings: idempotent, acknowledged by all replicas, shiftlog's tuning. */
    static Map<String, Object> producerConfig(MigrationDef spec, Map<String, Object> kafkaConfig) {
        Map<String, Object> config = new java.util.HashMap<>(kafkaConfig);
        config.put(org.apache.kafka.clients.producer.ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG, "all");
        dev.shiftlog.schemas.ProducerTuning.applyTo(config);
        config.put(org.apache.kafka.clients.producer.ProducerConfig.CLIENT_ID_CONFIG, spec.name() + "-producer");
        return config;
    }

    /** Creates the source topics and starts capturing on a thread of its own; returns at once. */
    void start();

    /** Completes when capture stops; exceptionally when it stopped on an error. */
    CompletableFuture<Void> stopped();

    /** Rows sent per source topic since this process started. */
    Map<String, Long> captured();

    @Override
    void close();
}
