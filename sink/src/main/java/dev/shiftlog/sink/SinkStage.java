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
import java.util.concurrent.atomic.LongAdder;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
public final class SinkStage implements TargetSink {
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
    private final SinkThread loop = new SinkThread();
    private KafkaConsumer<GenericRecord, GenericRecord> consumer;
    /** Target tables in landing order: rows are written parents first, deletes children first. */
    private final List<String> tableOrder;
    /** Target tables whose rows several mappings fill ({@code match-on}). */
    private final HeldChanges held = new HeldChanges();
    /** Puts the objects of upload columns before their rows are written; null when no column uploads. */
    private final ObjectUploads uploads;
    /** Set by the rebalance listener (on the sink thread, inside poll). */
    private boolean rebalanced;
    private TargetSession session;

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
        tableOrder = spec.landingOrder().stream().map(TableMappingDef::target).distinct().toList();
        uploads = ObjectUploads.of(spec);
    }

    /** Consumer settings: manual commits after the database commit, read only committed transformer output. */
    public static Map<String, Object> consumerConfig(MigrationDef spec, Map<String, Object> kafkaConfig) {
        Map<String, Object> c = new HashMap<>(kafkaConfig);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, new TopicNames(spec.name()).sinkGroup());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20_000);
        // a fetch returns what is there: under load that is a full batch anyway, and at a trickle of changes any wait
        // for more bytes is part of every change's latency
        c.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, spec.name() + "-sink");
        return c;
    }

    /** The producer of a sink's events ({@code <m>.landed}, {@code <m>.dlq}): idempotent, acknowledged by all replicas. */
    static KafkaProducer<GenericRecord, GenericRecord> eventsProducer(MigrationDef spec, Map<String, Object> kafkaConfig,
                                                                      SchemaRegistry registry) {
        Map<String, Object> producerConfig = new HashMap<>(kafkaConfig);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, spec.name() + "-sink-events");
        dev.shiftlog.schemas.ProducerTuning.applyTo(producerConfig);
        return new KafkaProducer<>(producerConfig, new AvroSerializer(registry, true), new AvroSerializer(registry, false));
    }

    /** Connects to the target (failing fast on bad credentials) and starts the sink thread. */
    @Override
    public void start() throws SQLException {
        TopicNames names = new TopicNames(spec.name());
        new dev.shiftlog.schemas.TopicProvisioner(kafkaConfig).ensure(List.of(names.dlq(), names.landed(), names.landedIds()), spec.kafka().partitions(), names);
        session = openSession();
        if (uploads != null) {
            uploads.start();
        }
        consumer = new KafkaConsumer<>(consumerConfig(spec, kafkaConfig), new AvroDeserializer(registry), new AvroDeserializer(registry));
        consumer.subscribe(List.copyOf(tableByTopic.keySet()), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
                held.forget(partitions);
                rebalanced = true;
            }

            @Override
            public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
                rebalanced = true;
            }
        });
        KafkaProducer<GenericRecord, GenericRecord> eventsProducer = eventsProducer(spec, kafkaConfig, registry);
        loop.start("shiftlog-sink", () -> run(eventsProducer), () -> closeResources(eventsProducer));
        LOG.info("sink writing {} table(s) into {}", tableByTopic.size(), spec.target().url());
    }

    /** A connection to the target and the writer on it; replaced whole when the connection is lost. */
    private record TargetSession(Connection connection, PostgresUpsertWriter writer) implements AutoCloseable {
        @Override
        public void close() {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // it is gone already
            }
        }
    }

    private TargetSession openSession() throws SQLException {
        Connection connection = PostgresCatalog.open(spec.target());
        try {
            return new TargetSession(connection, new PostgresUpsertWriter(spec.name(), spec.target(), connection,
                    spec.tables().stream().anyMatch(TableMappingDef::keepsLegacyKeyInIdMap)));
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
    }

    /** One use of the target that a lost connection repeats on a new one. */
    private interface TargetWork<T> {
        T run(PostgresUpsertWriter writer);
    }

    /**
     * Runs {@code work} on the target, waiting through an outage: a lost connection (a restarted or unreachable
     * server) is logged with what it waits for and retried on a new connection with growing pauses, for as long as
     * it takes. Meanwhile the consumer keeps polling with every partition paused, so the group does not evict this
     * worker. Nothing was committed by a failed attempt, so repeating the whole batch is safe.
     */
    private <T> T onTarget(TargetWork<T> work, String what) {
        long pauseMs = 500;
        long waitingSince = 0;
        while (loop.running()) {
            try {
                if (session == null) {
                    session = openSession();
                    LOG.info("target database {} reachable again after {} s; writing {}", spec.target().url(),
                            (System.currentTimeMillis() - waitingSince) / 1000, what);
                }
                T result = work.run(session.writer());
                return result;
            } catch (PostgresUpsertWriter.TargetConflictException e) {
                // another sink holds rows this batch needs: both rolled back or one did; retry after a random pause
                long jitter = 100 + java.util.concurrent.ThreadLocalRandom.current().nextLong(Math.min(pauseMs, 5_000) + 400);
                LOG.info("deadlock with another writer of the target while writing {}; rolled back, retrying in {} ms", what, jitter);
                keepMembershipFor(jitter);
                pauseMs = Math.min(pauseMs * 2, 10_000);
                continue;
            } catch (PostgresUpsertWriter.TargetUnavailableException e) {
                LOG.warn("target database {} unavailable while writing {} ({}); nothing of it was committed, offsets stay;"
                        + " reconnecting in {} ms", spec.target().url(), what, rootMessage(e), pauseMs);
            } catch (SQLException e) {
                if (e.getSQLState() != null && e.getSQLState().startsWith("28")) {
                    throw new SinkException("the target database refused the credentials: " + e.getMessage(), e);
                }
                LOG.warn("waiting for the target database {} ({}); {} waits, offsets stay; next attempt in {} ms",
                        spec.target().url(), e.getMessage(), what, pauseMs);
            }
            if (waitingSince == 0) {
                waitingSince = System.currentTimeMillis();
            }
            if (session != null) {
                session.close();
                session = null;
            }
            keepMembershipFor(pauseMs);
            pauseMs = Math.min(pauseMs * 2, 10_000);
        }
        throw new WakeupException();
    }

    private void keepMembershipFor(long millis) {
        java.util.Set<TopicPartition> assigned = consumer.assignment();
        consumer.pause(assigned);
        long until = System.currentTimeMillis() + millis;
        while (loop.running() && System.currentTimeMillis() < until) {
            consumer.poll(Duration.ofMillis(Math.max(1, Math.min(200, until - System.currentTimeMillis()))));
        }
        consumer.resume(consumer.assignment());
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    private Map<String, TableBatch> batchesOf(List<ConsumerRecord<GenericRecord, GenericRecord>> records) {
        Map<String, TableBatch> batches = new LinkedHashMap<>();
        for (ConsumerRecord<GenericRecord, GenericRecord> r : records) {
            String table = tableByTopic.get(r.topic());
            GenericRecord value = uploads == null ? r.value() : uploads.put(table, r.value());
            batches.computeIfAbsent(table, t -> new TableBatch(t))
                    .add(r.key(), value, r.topic(), r.partition(), r.offset(), r.timestamp());
        }
        return batches;
    }

    /** The loop: poll, write the batch, retry held changes, commit the positions; until a stop is asked for. */
    private void run(KafkaProducer<GenericRecord, GenericRecord> eventsProducer) {
        LandingAnnouncer announcer = new LandingAnnouncer(eventsProducer, new TopicNames(spec.name()));
        Map<TopicPartition, Long> committed = new HashMap<>();
        while (loop.running()) {
            List<ConsumerRecord<GenericRecord, GenericRecord>> records = new ArrayList<>();
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            List<TableBatch> list = List.of();
            PostgresUpsertWriter.Outcome outcome = PostgresUpsertWriter.Outcome.CLEAN;
            if (!records.isEmpty()) {
                rebalanced = false;
                Map<String, TableBatch> batches = batchesOf(records);
                held.supersede(batches);
                List<TableBatch> toWrite = new ArrayList<>(batches.values());
                outcome = onTarget(w -> {
                    if (rebalanced) { // during an outage: write only what this worker still owns
                        java.util.Set<TopicPartition> owned = consumer.assignment();
                        toWrite.clear();
                        toWrite.addAll(batchesOf(records.stream().filter(r -> owned.contains(new TopicPartition(r.topic(), r.partition())))
                                .toList()).values());
                        rebalanced = false;
                    }
                    return w.write(toWrite, tableByName::get, tableOrder);
                }, records.size() + " change(s)");
                list = toWrite;
                dev.shiftlog.schemas.CrashPoint.SINK_AFTER_DB_COMMIT.reached();
                long now = System.currentTimeMillis();
                for (TableBatch.Change c : outcome.held()) {
                    if (c.isDelete()) {
                        LOG.info("target table {}: delete of {} held until the rows that reference it move or go", c.table(), c.key());
                    } else {
                        LOG.info("target table {}: row {} held: its parent is not in the target (deleted since; a newer version"
                                + " or the parent should follow)", c.table(), c.key());
                    }
                    held.hold(c, now);
                }
                // DLQ entries and landings are acknowledged before the offsets move on: a crash in between repeats
                // the batch, which re-upserts the same rows, re-rejects the same ones and re-announces the same
                // landings; nothing is lost and rows waiting for a parent are released after its commit.
                sendToDlq(eventsProducer, outcome.rejected());
                PostgresUpsertWriter writer = session.writer();
                announceLanded(announcer, list, outcome.rejected(), outcome.held(), writer);
            }
            if (!held.isEmpty()) {
                retryHeld(eventsProducer, announcer);
            }
            commitPositions(committed);
            if (!records.isEmpty()) {
                dev.shiftlog.schemas.CrashPoint.SINK_AFTER_OFFSET_COMMIT.reached();
            }
            Map<String, Long> heldDeletes = new HashMap<>();
            Map<String, Long> heldRows = new HashMap<>();
            outcome.held().forEach(c -> (c.isDelete() ? heldDeletes : heldRows).merge(c.table(), 1L, Long::sum));
            for (TableBatch b : list) {
                long deletes = b.deleteCount() - heldDeletes.getOrDefault(b.table(), 0L);
                long rows = b.upsertCount() - heldRows.getOrDefault(b.table(), 0L);
                landed.computeIfAbsent(b.table(), t -> new LongAdder()).add(rows + deletes);
                listener.applied(b.table(), (int) rows, (int) deletes);
            }
        }
    }

    /** What the loop leaves behind, however it ended. */
    private void closeResources(KafkaProducer<GenericRecord, GenericRecord> eventsProducer) {
        consumer.close(Duration.ofSeconds(5));
        eventsProducer.close(Duration.ofSeconds(5));
        if (session != null) {
            session.close();
        }
        if (uploads != null) {
            uploads.close();
        }
    }

    /** Retries the held changes whose pause has passed; the ones waiting longer than their table's park-timeout go to the DLQ. */
    private void retryHeld(KafkaProducer<GenericRecord, GenericRecord> eventsProducer, LandingAnnouncer announcer) {
        List<TableBatch.Change> due = held.due(System.currentTimeMillis());
        if (due.isEmpty()) {
            return;
        }
        List<TableBatch.Change> done = onTarget(w -> w.retryHeld(due, tableByName::get, tableOrder), due.size() + " held change(s)");
        PostgresUpsertWriter writer = session.writer();
        List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
        for (TableBatch.Change c : done) {
            LandedRow landing = c.isDelete() || !referenced.contains(c.table()) ? null : landing(tableByName.get(c.table()), c.value(), writer);
            if (landing != null) {
                sends.addAll(announcer.announce(landing, c.timestamp()));
            }
        }
        awaitAll(sends, announcer.topics());
        held.release(done);
        held.refusedAgain(due, System.currentTimeMillis()); // the released ones are gone; the rest wait longer
        done.forEach(c -> {
            landed.computeIfAbsent(c.table(), t -> new LongAdder()).increment();
            listener.applied(c.table(), c.isDelete() ? 0 : 1, c.isDelete() ? 1 : 0);
        });
        long now = System.currentTimeMillis();
        List<RejectedRow> expired = new ArrayList<>();
        List<TableBatch.Change> gone = new ArrayList<>();
        for (HeldChanges.Held h : held.held()) {
            TableMappingDef table = tableByName.get(h.change().table());
            if (now - h.sinceMillis() >= table.parkTimeout().toMillis()) {
                SQLException reason = onTarget(w -> w.refusalOf(h.change(), table), "the reason of a held change");
                if (reason == null) { // went through just now
                    continue;
                }
                expired.add(PostgresUpsertWriter.rejection(table, h.change(), String.valueOf(h.change().key().get(0)),
                        new SQLException((h.change().isDelete() ? "delete" : "row") + " still refused after park-timeout " + table.parkTimeout() + ": " + reason.getMessage(),
                                reason.getSQLState())));
                gone.add(h.change());
            }
        }
        if (!expired.isEmpty()) {
            sendToDlq(eventsProducer, expired);
            held.release(gone);
        }
    }

    /** Publishes {@code <m>.landed} for the committed rows of tables that other tables reference. */
    private void announceLanded(LandingAnnouncer announcer, List<TableBatch> batches, List<RejectedRow> rejected,
                                List<TableBatch.Change> heldChanges, PostgresUpsertWriter writer) {
        java.util.Set<String> refused = new java.util.HashSet<>();
        rejected.forEach(r -> refused.add(r.targetTable() + '\u0000' + r.legacyKey()));
        java.util.Set<GenericRecord> held = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        heldChanges.forEach(c -> held.add(c.value()));
        List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
        for (TableBatch batch : batches) {
            if (!referenced.contains(batch.table())) {
                continue;
            }
            TableMappingDef table = tableByName.get(batch.table());
            for (TableBatch.Change change : batch.rowChanges()) {
                GenericRecord row = change.value();
                LandedRow landed = held.contains(row) ? null : landing(table, row, writer);
                if (landed != null && !refused.contains(batch.table() + '\u0000' + landed.legacyKey())) {
                    sends.addAll(announcer.announce(landed, change.timestamp()));
                }
            }
        }
        awaitAll(sends, announcer.topics());
    }

    /** The landing of a committed row: its legacy key and new id (assigned by the database for {@code id: target}). */
    private static LandedRow landing(TableMappingDef table, GenericRecord row, PostgresUpsertWriter writer) {
        String legacyKey = AvroValues.text(row.getSchema().getField(table.legacyKey()).schema(), row.get(table.legacyKey()));
        String id = table.id() == dev.shiftlog.schemas.spec.IdStrategy.TARGET ? writer.assignedId(table.target(), legacyKey)
                : AvroValues.text(row.getSchema().getField(table.key()).schema(), row.get(table.key()));
        return id == null ? null : new LandedRow(table.target(), legacyKey, id);
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
            long position = held.oldestOffset(tp).orElse(consumer.position(tp));
            if (!Long.valueOf(position).equals(committed.get(tp))) {
                offsets.put(tp, new OffsetAndMetadata(position));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets);
            offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
        } catch (org.apache.kafka.clients.consumer.CommitFailedException
                 | org.apache.kafka.common.errors.RebalanceInProgressException e) {
            // the group moved the partitions on while the batch was written (a long write, a joining worker); the
            // batch is in the target and the partitions' new owners write it again, which the upsert makes harmless
            LOG.info("offsets of {} partition(s) not committed: the group rebalanced meanwhile ({}); their new owner repeats"
                    + " the last batch", offsets.size(), e.getClass().getSimpleName());
            committed.clear();
        }
    }

    /** Completes when the sink thread ends; exceptionally when the target refused a batch. */
    @Override
    public CompletableFuture<Void> stopped() {
        return loop.stopped();
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

    /**
     * Stops after the batch in hand: it is written and its offsets committed before the consumer leaves the group.
     * Only a sink still busy after {@value #GRACEFUL_STOP_MS} ms (e.g. waiting for an unreachable target) is woken up;
     * its batch was not committed and the next owner of the partitions writes it again.
     */
    @Override
    public void close() {
        loop.stop(GRACEFUL_STOP_MS, consumer);
    }

    private static final long GRACEFUL_STOP_MS = 15_000;
}
