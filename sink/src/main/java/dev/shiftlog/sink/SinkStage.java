package dev.shiftlog.sink;

import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.avro.AvroDeserializer;
import dev.shiftlog.schemas.avro.AvroSerializer;
import dev.shiftlog.schemas.rows.AvroValues;
import dev.shiftlog.schemas.rows.LandedRow;
import dev.shiftlog.schemas.rows.RejectedRow;
import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink stage: consumer group {@code <m>-sink} reads committed target rows from {@code <m>.out.*}, collapses
 * each poll into one batch per table, writes it to PostgreSQL in one transaction and only then commits the
 * offsets. A crash between the two repeats the batch, which the upsert makes harmless.
 */
public final class SinkStage implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SinkStage.class);

    private final MigrationDef spec;
    private final Map<String, Object> kafkaConfig;
    private final SchemaRegistry registry;
    private final AppliedBatchListener listener;
    private final Map<String, TableMappingDef> tableByName = new HashMap<>();
    /** Tables some reference column points at: only their landings are announced. */
    private final java.util.Set<String> referenced = new java.util.HashSet<>();
    private final Map<String, String> tableByTopic = new HashMap<>();
    private final Map<String, LongAdder> landed = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private KafkaConsumer<GenericRecord, GenericRecord> consumer;
    private Thread thread;

    public SinkStage(MigrationDef spec, Map<String, Object> kafkaConfig, SchemaRegistry registry, AppliedBatchListener listener) {
        this.spec = spec;
        this.kafkaConfig = Map.copyOf(kafkaConfig);
        this.registry = registry;
        this.listener = listener;
        TopicNames names = new TopicNames(spec.name());
        for (TableMappingDef t : spec.tables()) {
            tableByName.put(t.target(), t);
            t.columns().stream().filter(c -> c.isReference()).forEach(c -> referenced.add(c.ref()));
            tableByTopic.put(names.out(t.target()), t.target());
        }
    }

    /** Consumer settings: manual commits after the database commit, read only committed transformer output. */
    public static Map<String, Object> consumerConfig(MigrationDef spec, Map<String, Object> kafkaConfig) {
        Map<String, Object> c = new HashMap<>(kafkaConfig);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, new TopicNames(spec.name()).sinkGroup());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20_000);
        c.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 64 * 1024);
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, spec.name() + "-sink");
        return c;
    }

    /** Connects to the target (failing fast on bad credentials) and starts the sink thread. */
    public void start() throws SQLException {
        new dev.shiftlog.schemas.TopicProvisioner(kafkaConfig).ensure(List.of(new TopicNames(spec.name()).dlq(),
                new TopicNames(spec.name()).landed()),
                spec.kafka().partitions(), Map.of());
        Connection connection = PostgresCatalog.open(spec.target());
        PostgresUpsertWriter writer = new PostgresUpsertWriter(spec.name(), spec.target(), connection,
                spec.tables().stream().anyMatch(TableMappingDef::keepsLegacyKeyInIdMap));
        consumer = new KafkaConsumer<>(consumerConfig(spec, kafkaConfig), new AvroDeserializer(registry), new AvroDeserializer(registry));
        consumer.subscribe(List.copyOf(tableByTopic.keySet()));
        Map<String, Object> producerConfig = new HashMap<>(kafkaConfig);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, spec.name() + "-sink-events");
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        producerConfig.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        KafkaProducer<GenericRecord, GenericRecord> eventsProducer = new KafkaProducer<>(producerConfig,
                new AvroSerializer(registry, true), new AvroSerializer(registry, false));
        thread = new Thread(() -> run(writer, connection, eventsProducer), "shiftlog-sink");
        thread.start();
        LOG.info("sink writing {} table(s) into {}", tableByTopic.size(), spec.target().url());
    }

    private void run(PostgresUpsertWriter writer, Connection connection, KafkaProducer<GenericRecord, GenericRecord> eventsProducer) {
        try {
            Map<TopicPartition, Long> committed = new HashMap<>();
            while (running.get()) {
                ConsumerRecords<GenericRecord, GenericRecord> records = consumer.poll(Duration.ofMillis(500));
                List<TableBatch> list = List.of();
                if (!records.isEmpty()) {
                    Map<String, TableBatch> batches = new LinkedHashMap<>();
                    for (ConsumerRecord<GenericRecord, GenericRecord> r : records) {
                        String table = tableByTopic.get(r.topic());
                        batches.computeIfAbsent(table, TableBatch::new).add(r.key(), r.value(), r.topic(), r.partition(), r.offset());
                    }
                    list = new ArrayList<>(batches.values());
                    List<RejectedRow> rejected = writer.write(list, tableByName::get);
                    // DLQ entries and landings are acknowledged before the offsets move on: a crash in between repeats
                    // the batch, which re-upserts the same rows, re-rejects the same ones and re-announces the same
                    // landings; nothing is lost and rows waiting for a parent are released after its commit.
                    sendToDlq(eventsProducer, rejected);
                    announceLanded(eventsProducer, list, rejected, writer);
                }
                commitPositions(committed);
                for (TableBatch b : list) {
                    landed.computeIfAbsent(b.table(), t -> new LongAdder()).add(b.upsertCount() + b.deleteCount());
                    listener.applied(b.table(), b.upsertCount(), b.deleteCount());
                }
            }
            stopped.complete(null);
        } catch (WakeupException e) {
            stopped.complete(null);
        } catch (RuntimeException e) {
            LOG.error("sink stopped: {}", e.getMessage());
            stopped.completeExceptionally(e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
            eventsProducer.close(Duration.ofSeconds(5));
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }

    /** Publishes {@code <m>.landed} for the committed rows of tables that other tables reference. */
    private void announceLanded(KafkaProducer<GenericRecord, GenericRecord> producer, List<TableBatch> batches, List<RejectedRow> rejected,
                                PostgresUpsertWriter writer) {
        String topic = new TopicNames(spec.name()).landed();
        java.util.Set<String> refused = new java.util.HashSet<>();
        rejected.forEach(r -> refused.add(r.targetTable() + '\u0000' + r.legacyKey()));
        List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
        for (TableBatch batch : batches) {
            if (!referenced.contains(batch.table())) {
                continue;
            }
            TableMappingDef table = tableByName.get(batch.table());
            for (GenericRecord row : batch.upserts()) {
                String legacyKey = AvroValues.text(row.getSchema().getField(table.legacyKey()).schema(), row.get(table.legacyKey()));
                String id = table.id() == dev.shiftlog.schemas.spec.IdStrategy.TARGET ? writer.assignedId(batch.table(), legacyKey)
                        : AvroValues.text(row.getSchema().getField(table.key()).schema(), row.get(table.key()));
                if (!refused.contains(batch.table() + '\u0000' + legacyKey) && id != null) {
                    LandedRow landed = new LandedRow(batch.table(), legacyKey, id);
                    sends.add(producer.send(new ProducerRecord<>(topic, landed.key(), landed.value())));
                }
            }
        }
        awaitAll(sends, topic);
    }

    private static void awaitAll(List<java.util.concurrent.Future<?>> sends, String topic) {
        for (var send : sends) {
            try {
                send.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new SinkException("cannot write to " + topic + "; offsets not committed: " + e.getCause().getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SinkException("interrupted while writing to " + topic, e);
            }
        }
    }

    private void sendToDlq(KafkaProducer<GenericRecord, GenericRecord> producer, List<RejectedRow> rejected) {
        if (rejected.isEmpty()) {
            return;
        }
        String topic = new TopicNames(spec.name()).dlq();
        List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
        for (RejectedRow r : rejected) {
            LOG.warn("target refused {}:{} ({}); sent to {}", r.targetTable(), r.legacyKey(), r.rule(), topic);
            sends.add(producer.send(new ProducerRecord<>(topic, r.key(), r.value())));
        }
        awaitAll(sends, topic);
        rejected.forEach(r -> this.rejected.computeIfAbsent(r.targetTable(), t -> new LongAdder()).increment());
    }

    /**
     * Commits the consumer's position on every assigned partition that moved. The position, not the last record's
     * offset + 1, because it also steps over the transaction markers the exactly-once transformer writes; that
     * way the committed offset reaches the log end and {@code kafka-consumer-groups} shows a lag of zero.
     */
    private void commitPositions(Map<TopicPartition, Long> committed) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            long position = consumer.position(tp);
            if (!Long.valueOf(position).equals(committed.get(tp))) {
                offsets.put(tp, new OffsetAndMetadata(position));
            }
        }
        if (!offsets.isEmpty()) {
            consumer.commitSync(offsets);
            offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
        }
    }

    /** Completes when the sink thread ends; exceptionally when the target refused a batch. */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    /** Rows the target refused per table since this process started (sent to the DLQ). */
    public Map<String, Long> rejected() {
        Map<String, Long> result = new java.util.TreeMap<>();
        rejected.forEach((k, v) -> result.put(k, v.sum()));
        return result;
    }

    /** Rows written per target table since this process started (upserts and deletes). */
    public Map<String, Long> landed() {
        Map<String, Long> result = new java.util.TreeMap<>();
        landed.forEach((k, v) -> result.put(k, v.sum()));
        return result;
    }

    @Override
    public void close() {
        running.set(false);
        if (consumer != null) {
            consumer.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
