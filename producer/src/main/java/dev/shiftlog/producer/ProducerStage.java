package dev.shiftlog.producer;

import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.TopicProvisioner;
import dev.shiftlog.schemas.avro.AvroSerializer;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The capture stage: Debezium's embedded PostgreSQL connector snapshots the legacy tables, then streams their
 * changes, onto {@code <m>.src.<schema>.<table>} with the primary key as Kafka key.
 *
 * <p>Source offsets live in the Kafka topic {@code <m>.producer.offsets}; together with the replication slot they
 * let a restarted producer continue without a second snapshot once the first one has finished.
 */
public final class ProducerStage implements CaptureStage {
    private static final Logger LOG = LoggerFactory.getLogger(ProducerStage.class);

    private final MigrationDef spec;
    private final Map<String, Object> kafkaConfig;
    private final SchemaRegistry registry;
    private final SnapshotListener snapshotListener;
    private KafkaProducer<GenericRecord, GenericRecord> producer;
    private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private volatile boolean closing;
    private ChunkedSnapshot snapshot;
    private ChangeEventPublisher publisher;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "shiftlog-producer"));
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    /** @param kafkaConfig common Kafka client settings (bootstrap.servers and pass-through properties) */
    public ProducerStage(MigrationDef spec, Map<String, Object> kafkaConfig, SchemaRegistry registry) {
        this(spec, kafkaConfig, registry, SnapshotListener.NONE);
    }

    /** @param snapshotListener told when each legacy table's initial snapshot is in Kafka */
    public ProducerStage(MigrationDef spec, Map<String, Object> kafkaConfig, SchemaRegistry registry,
                         SnapshotListener snapshotListener) {
        this.spec = spec;
        this.kafkaConfig = Map.copyOf(kafkaConfig);
        this.registry = registry;
        this.snapshotListener = snapshotListener;
    }

    /** The spec's distinct legacy tables as {@code schema.table}, in spec order, looked-up tables included. */
    static Set<String> legacyTables(MigrationDef spec) {
        return spec.capturedTables();
    }

    /** The source topics of a spec, one per distinct legacy table. */
    public static Set<String> sourceTopics(MigrationDef spec) {
        TopicNames names = new TopicNames(spec.name());
        Set<String> topics = new LinkedHashSet<>();
        for (String qualified : spec.capturedTables()) {
            int dot = qualified.indexOf('.');
            topics.add(names.source(qualified.substring(0, dot), qualified.substring(dot + 1)));
        }
        return topics;
    }

    /** Whether the spec's chunked snapshot is complete in Kafka (false before one starts, or under Debezium's own). */
    public static boolean snapshotComplete(MigrationDef spec, Map<String, Object> kafkaConfig) {
        SnapshotProgress.State state = SnapshotProgress.load(new TopicNames(spec.name()).snapshotProgress(), kafkaConfig);
        return state.mode() == SnapshotProgress.Mode.CHUNKED && state.complete();
    }

    /** The name of the migration's replication slot and publication in the legacy database. */
    public static String captureName(MigrationDef spec) {
        return "shiftlog_" + spec.name().replaceAll("[^a-z0-9_]", "_");
    }

    /**
     * Debezium's settings for this spec; the password is in here, so this never gets logged.
     *
     * @param snapshotTaken the chunked snapshot put the rows in Kafka: Debezium only streams from the slot
     */
    static Properties debeziumConfig(MigrationDef spec, Map<String, Object> kafkaConfig, boolean snapshotTaken) {
        List<String> tables = legacyTables(spec).stream().map(t -> t.replace(".", "\\.")).toList();
        Properties p = new Properties();
        p.setProperty("name", spec.name() + "-producer");
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("topic.prefix", spec.name());
        p.setProperty("database.hostname", spec.source().host());
        p.setProperty("database.port", String.valueOf(spec.source().port()));
        p.setProperty("database.user", spec.source().user());
        p.setProperty("database.password", spec.source().password().reveal());
        p.setProperty("database.dbname", spec.source().database());
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", captureName(spec));
        p.setProperty("publication.name", captureName(spec));
        p.setProperty("publication.autocreate.mode", "filtered");
        p.setProperty("publish.via.partition.root", "true"); // see CapturePrerequisites
        // ISO-8601 text keeps months and days apart (the default, microseconds, turns a month into 30 days)
        p.setProperty("interval.handling.mode", "string");
        p.setProperty("table.include.list", String.join(",", tables));
        p.setProperty("snapshot.mode", snapshotTaken ? "no_data" : "initial");
        p.setProperty("heartbeat.interval.ms", "5000");
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("decimal.handling.mode", "precise");
        p.setProperty("time.precision.mode", "adaptive_time_microseconds");
        p.setProperty("binary.handling.mode", "bytes");
        p.setProperty("max.batch.size", "8192");
        // how long the engine waits for more changes before handing a batch over: the floor of CDC latency
        p.setProperty("poll.interval.ms", "50");
        p.setProperty("max.queue.size", "32768");
        p.setProperty("snapshot.fetch.size", "20000");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
        p.setProperty("offset.storage.topic", new TopicNames(spec.name()).producerOffsets());
        p.setProperty("offset.storage.partitions", "1");
        p.setProperty("offset.storage.replication.factor", "1");
        p.setProperty("offset.flush.interval.ms", "1000");
        p.setProperty("offset.flush.timeout.ms", "10000");
        kafkaConfig.forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
        return p;
    }

    @Override
    public void start() {
        TopicNames names = new TopicNames(spec.name());
        new CapturePrerequisites(spec.source(), captureName(spec)).ensure(legacyTables(spec));
        new TopicProvisioner(kafkaConfig).ensure(sourceTopics(spec), spec.kafka().partitions(), names);
        Map<String, Object> producerConfig = CaptureStage.producerConfig(spec, kafkaConfig);
        producer = new KafkaProducer<>(producerConfig, new AvroSerializer(registry, true), new AvroSerializer(registry, false));
        publisher = new ChangeEventPublisher(spec.name(), names, producer, legacyTables(spec), snapshotListener,
                new SnapshotReconciler(kafkaConfig, registry));
        new TopicProvisioner(kafkaConfig).ensure(List.of(names.snapshotProgress()), 1, names);
        snapshot = new ChunkedSnapshot(spec, kafkaConfig, producer, snapshotListener, ChunkedSnapshot.Settings.DEFAULT);
        executor.execute(() -> {
            try {
                boolean snapshotTaken = snapshot.run();
                engine = DebeziumEngine.create(ChangeEventFormat.of(io.debezium.embedded.Connect.class))
                        .using(debeziumConfig(spec, kafkaConfig, snapshotTaken))
                        .notifying(publisher)
                        .using((success, message, error) -> {
                            if (success) {
                                stopped.complete(null);
                            } else {
                                LOG.error("producer stopped: {}", message, error);
                                stopped.completeExceptionally(new ProducerException("capture stopped: " + message, error));
                            }
                        })
                        .build();
                if (!closing) {
                    engine.run();
                }
                stopped.complete(null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopped.complete(null);
            } catch (RuntimeException e) {
                if (closing) {
                    stopped.complete(null);
                } else {
                    LOG.error("producer stopped: {}", e.getMessage(), e);
                    stopped.completeExceptionally(e);
                }
            }
        });
        LOG.info("producer capturing {} into {}", sourceTopics(spec).size() + " table(s)", List.copyOf(sourceTopics(spec)));
    }

    /**
     * Stops the engine. Debezium refuses to stop while its tasks are starting (and an engine left starting runs on,
     * holding its slot and its JMX names in this JVM), which a short snapshot makes likely: wait until it can.
     */
    static void closeEngine(DebeziumEngine<RecordChangeEvent<SourceRecord>> running) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                running.close();
                return;
            } catch (IllegalStateException e) {
                boolean starting = String.valueOf(e.getMessage()).contains("starting");
                if (!starting || System.nanoTime() > deadline) {
                    if (starting) {
                        LOG.warn("the Debezium engine did not finish starting within 60 s; it may still run: {}", e.getMessage());
                    }
                    return; // already stopping or stopped
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } catch (IOException e) {
                LOG.warn("closing the Debezium engine: {}", e.getMessage());
                return;
            }
        }
    }

    @Override
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    @Override
    public Map<String, Long> captured() {
        if (publisher == null) {
            return Map.of();
        }
        Map<String, Long> all = new java.util.TreeMap<>(publisher.captured());
        if (snapshot != null) {
            snapshot.sent().forEach((topic, rows) -> all.merge(topic, rows, Long::sum));
        }
        return all;
    }

    @Override
    public void close() {
        closing = true;
        DebeziumEngine<RecordChangeEvent<SourceRecord>> running = engine;
        if (running != null) {
            closeEngine(running);
        }
        executor.shutdown();
        try {
            // Debezium ends its run() by itself and commits its offsets on the way: no interrupt then; a snapshot
            // in progress is interrupted (its unfinished chunks are read again by the next start)
            if (!executor.awaitTermination(engine == null ? 0 : 30, java.util.concurrent.TimeUnit.SECONDS)) {
                executor.shutdownNow();
                executor.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (producer != null) {
            producer.close();
        }
    }
}
