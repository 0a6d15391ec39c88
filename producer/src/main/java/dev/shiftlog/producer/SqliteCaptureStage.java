package dev.shiftlog.producer;

import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.TopicProvisioner;
import dev.shiftlog.schemas.avro.AvroSerializer;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import dev.shiftlog.schemas.rows.RejectedRow;
import dev.shiftlog.schemas.rows.SqliteTableReader;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Capture for a SQLite file, which keeps no change log: every {@code source.poll} each legacy table is read whole
 * (all tables in one read transaction, so parents and children are of one moment) and compared, row by row, with
 * what its compacted {@code <m>.src.*} topic already holds — the encoded row, hashed per key. New keys go out as
 * inserts ({@code r} on the very first read), changed rows as updates, keys no longer there as tombstones. The
 * topic is the state: a restarted producer reads it back and sends only what changed meanwhile, so a re-run after
 * legacy edits applies exactly those. A stored value that fits none of its column's rules goes to the DLQ with the
 * reason for every target fed by the table, and the row is held back until it is fixed.
 */
public final class SqliteCaptureStage implements CaptureStage {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteCaptureStage.class);

    private final MigrationDef spec;
    private final Map<String, Object> kafkaConfig;
    private final SchemaRegistry registry;
    private final SnapshotListener snapshotListener;
    private final TopicNames names;
    private final Map<String, LongAdder> captured = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    /** Refusals already in the DLQ (table \0 key → reason), so a row that stays wrong is not sent there every poll. */
    private final Map<String, String> refusedSent = new HashMap<>();
    private Thread thread;

    public SqliteCaptureStage(MigrationDef spec, Map<String, Object> kafkaConfig, SchemaRegistry registry, SnapshotListener snapshotListener) {
        this.spec = spec;
        this.kafkaConfig = Map.copyOf(kafkaConfig);
        this.registry = registry;
        this.snapshotListener = snapshotListener;
        this.names = new TopicNames(spec.name());
    }

    @Override
    public void start() {
        List<String> topics = List.copyOf(ProducerStage.sourceTopics(spec));
        new TopicProvisioner(kafkaConfig).ensure(topics, spec.kafka().partitions(), names);
        new TopicProvisioner(kafkaConfig).ensure(List.of(names.dlq()), spec.kafka().partitions(), names);
        thread = new Thread(this::run, "shiftlog-sqlite-capture");
        thread.start();
        LOG.info("producer reading {} table(s) of {} every {}", topics.size(), spec.source().sqliteFile(),
                dev.shiftlog.schemas.spec.SpecDuration.format(spec.source().poll()));
    }

    private void run() {
        Map<String, Object> producerConfig = CaptureStage.producerConfig(spec, kafkaConfig);
        AvroSerializer keys = new AvroSerializer(registry, true);
        AvroSerializer values = new AvroSerializer(registry, false);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer())) {
            Map<String, Map<ByteBuffer, Long>> state = new HashMap<>();
            for (String table : tables()) {
                state.put(table, sent(topicOf(table)));
            }
            boolean first = true;
            while (running.get()) {
                long started = System.nanoTime();
                try (Connection c = dev.shiftlog.schemas.catalog.LegacyCatalog.open(spec.source())) {
                    c.setAutoCommit(false); // one read transaction: every table of this pass as of one moment
                    for (String table : tables()) {
                        Map<ByteBuffer, Long> known = state.get(table);
                        boolean initial = first && known.isEmpty();
                        long[] counts = pass(c, table, known, initial, producer, keys, values);
                        if (initial) {
                            snapshotListener.tableSnapshotted("main", table, counts[0]);
                        }
                        if (counts[1] + counts[2] + counts[3] > 0) {
                            LOG.info("{}: {} inserted, {} updated, {} deleted since the previous read", table, counts[1], counts[2], counts[3]);
                        }
                    }
                    c.rollback();
                }
                first = false;
                LOG.debug("read {} in {} ms", spec.source().sqliteFile(), (System.nanoTime() - started) / 1_000_000);
                sleep(spec.source().poll());
            }
            stopped.complete(null);
        } catch (Exception e) {
            LOG.error("producer stopped: {}", e.getMessage());
            stopped.completeExceptionally(new ProducerException("capture of " + spec.source().sqliteFile() + " stopped: " + e.getMessage(), e));
        }
    }

    /** The spec's legacy tables, as SQLite names them (its one schema is {@code main}). */
    private List<String> tables() {
        return spec.capturedTables().stream().map(t -> t.substring(t.indexOf('.') + 1)).toList();
    }

    private String topicOf(String table) {
        return names.source("main", table);
    }

    /**
     * Reads one table and sends what differs from {@code known} (encoded key → hash of the encoded row, updated in
     * place); returns rows read, inserts, updates and deletes.
     */
    private long[] pass(Connection c, String table, Map<ByteBuffer, Long> known, boolean initial, KafkaProducer<byte[], byte[]> producer,
                        AvroSerializer keys, AvroSerializer values) throws SQLException, InterruptedException {
        String topic = topicOf(table);
        long[] counts = new long[4];
        Set<ByteBuffer> seen = new HashSet<>();
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        Set<String> refusedNow = new HashSet<>();
        try (SqliteTableReader reader = new SqliteTableReader(c, spec.name(), table, spec.source().types())) {
            for (SqliteTableReader.Row row = reader.next(); row != null; row = reader.next()) {
                counts[0]++;
                if (row.refused()) {
                    if (row.key() != null) {
                        seen.add(ByteBuffer.wrap(keys.serialize(topic, row.key()))); // what landed before stays, not deleted
                    }
                    refusedNow.add(table + '\u0000' + row.keyText());
                    if (!row.refusal().equals(refusedSent.put(table + '\u0000' + row.keyText(), row.refusal()))) {
                        sends.addAll(reject(producer, keys, values, table, topic, row));
                    }
                    continue;
                }
                byte[] key = keys.serialize(topic, row.key());
                byte[] value = values.serialize(topic, row.value());
                ByteBuffer k = ByteBuffer.wrap(key);
                seen.add(k);
                long hash = hash(value);
                Long before = known.put(k, hash);
                if (before == null || before != hash) {
                    counts[before == null ? 1 : 2]++;
                    sends.add(producer.send(new ProducerRecord<>(topic, null, key, value, headers(initial ? "r" : before == null ? "c" : "u"))));
                }
            }
        }
        refusedSent.keySet().removeIf(k -> k.startsWith(table + '\u0000') && !refusedNow.contains(k));
        for (var it = known.keySet().iterator(); it.hasNext(); ) {
            ByteBuffer k = it.next();
            if (!seen.contains(k)) {
                it.remove();
                counts[3]++;
                sends.add(producer.send(new ProducerRecord<>(topic, null, k.array(), null, headers("d"))));
            }
        }
        for (Future<RecordMetadata> send : sends) {
            try {
                send.get();
            } catch (ExecutionException e) {
                throw new ProducerException("Kafka refused a change of " + topic + "; the next read sends it again: "
                        + e.getCause().getMessage(), e.getCause());
            }
        }
        captured.computeIfAbsent(topic, t -> new LongAdder()).add(counts[1] + counts[2] + counts[3]);
        return counts;
    }

    /** A refused legacy row, once per target table it feeds, keyed as the DLQ names that table's rows. */
    private List<Future<RecordMetadata>> reject(KafkaProducer<byte[], byte[]> producer, AvroSerializer keys, AvroSerializer values,
                                                String table, String topic, SqliteTableReader.Row row) {
        LOG.warn("{}: row {} refused: {}", table, row.keyText(), row.refusal());
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        for (TableMappingDef t : spec.tables()) {
            if (!t.sourceTable().equals(table)) {
                continue;
            }
            RejectedRow r = new RejectedRow("producer", t.target(), topic, -1, -1, t.merged() ? table + ":" + row.keyText() : row.keyText(),
                    "sqlite type", row.refusal(), null, System.currentTimeMillis());
            sends.add(producer.send(new ProducerRecord<>(names.dlq(), keys.serialize(names.dlq(), r.key()), values.serialize(names.dlq(), r.value()))));
        }
        return sends;
    }

    /** Encoded key → hash of the encoded row, of what the topic holds now (its compaction keeps the latest per key). */
    private Map<ByteBuffer, Long> sent(String topic) {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, spec.name() + "-sqlite-state");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        Map<ByteBuffer, Long> state = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value() == null) {
                        state.remove(ByteBuffer.wrap(r.key()));
                    } else {
                        state.put(ByteBuffer.wrap(r.key()), hash(r.value()));
                    }
                }
            }
        }
        if (!state.isEmpty()) {
            LOG.info("{}: {} row(s) already captured; only changes since then are sent", topic, state.size());
        }
        return state;
    }

    private static RecordHeaders headers(String op) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(ChangeEventPublisher.OP_HEADER, op.getBytes(StandardCharsets.UTF_8));
        headers.add(ChangeEventPublisher.TS_HEADER, Long.toString(System.currentTimeMillis()).getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    /** 64 bits of SHA-256: a changed row whose hash stays the same is a 1 in 2^64 chance per change. */
    private static long hash(byte[] bytes) {
        try {
            return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(bytes)).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void sleep(Duration pause) throws InterruptedException {
        long until = System.nanoTime() + pause.toNanos();
        while (running.get() && System.nanoTime() < until) {
            Thread.sleep(Math.min(200, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
        }
    }

    @Override
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    @Override
    public Map<String, Long> captured() {
        Map<String, Long> result = new java.util.TreeMap<>();
        captured.forEach((k, v) -> result.put(k, v.sum()));
        return result;
    }

    /** Stops after the pass in hand: what it sent is acknowledged, and the next run compares with it. */
    @Override
    public void close() {
        running.set(false);
        if (thread != null) {
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
