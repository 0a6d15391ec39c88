package dev.shiftlog.producer;

import dev.shiftlog.schemas.CrashPoint;
import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The initial snapshot of a PostgreSQL source, read in key-range chunks by several connections that share the
 * snapshot the replication slot exported at its creation, and published as snapshot events ({@code op=r}) in the
 * source topics; Debezium then streams from the slot without a snapshot of its own. Each chunk Kafka acknowledged
 * whole is recorded in {@link SnapshotProgress}, so a crash repeats only the chunks in flight.
 *
 * <p>A resumed snapshot reads its remaining chunks in a new snapshot, later than the slot's consistent point: a
 * change in between is both in those rows and in the slot's stream, which Kafka receives after them, so every key
 * still ends at its latest row (full-row upserts and deletes, replayed in commit order).
 */
final class ChunkedSnapshot {
    private static final Logger LOG = LoggerFactory.getLogger(ChunkedSnapshot.class);

    /**
     * How the snapshot reads.
     *
     * @param readers connections reading chunks side by side
     * @param chunksPerTable chunks a table is split into, so a crash repeats at most {@code readers / chunksPerTable} of it
     * @param minChunkRows no chunk is planned smaller, however small the table
     * @param fetchSize rows the driver fetches per round trip
     */
    record Settings(int readers, int chunksPerTable, int minChunkRows, int fetchSize) {
        static final Settings DEFAULT = new Settings(4, 200, 500, 5_000);
    }

    private final MigrationDef spec;
    private final Map<String, Object> kafkaConfig;
    private final Producer<GenericRecord, GenericRecord> producer;
    private final SnapshotListener listener;
    private final Settings settings;
    private final TopicNames names;
    private final Map<String, LongAdder> sent = new ConcurrentHashMap<>();

    ChunkedSnapshot(MigrationDef spec, Map<String, Object> kafkaConfig, Producer<GenericRecord, GenericRecord> producer,
                    SnapshotListener listener, Settings settings) {
        this.spec = spec;
        this.kafkaConfig = kafkaConfig;
        this.producer = producer;
        this.listener = listener;
        this.settings = settings;
        this.names = new TopicNames(spec.name());
    }

    /** Snapshot rows sent per source topic by this process. */
    Map<String, Long> sent() {
        Map<String, Long> out = new java.util.TreeMap<>();
        sent.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /**
     * Takes, resumes or skips the snapshot.
     *
     * @return true when the snapshot is (now) in Kafka and Debezium must only stream; false when Debezium must take
     *     its own snapshot: the slot exists but this snapshot did not create it (a migration begun by an earlier
     *     shiftlog), or it vanished after rows were captured (Debezium's snapshot then reconciles what was deleted)
     */
    boolean run() throws InterruptedException {
        String slot = ProducerStage.captureName(spec);
        String topic = names.snapshotProgress();
        SnapshotProgress.State state = SnapshotProgress.load(topic, kafkaConfig);
        boolean slotExists = SnapshotSlot.exists(spec.source(), slot);
        try (SnapshotProgress progress = new SnapshotProgress(topic, kafkaConfig)) {
            if (slotExists && state.mode() == SnapshotProgress.Mode.CHUNKED && state.complete()) {
                return true;
            }
            if (slotExists && state.chunkedInProgress()) {
                LOG.info("resuming the snapshot: {} chunk(s) done before", state.done().values().stream().mapToInt(Map::size).sum());
                read(state, progress, null);
                return true;
            }
            if (!slotExists && sourceTopicsEmpty()) {
                String epoch = UUID.randomUUID().toString();
                progress.startEpoch(epoch, SnapshotProgress.Mode.CHUNKED);
                SnapshotProgress.State fresh = new SnapshotProgress.State(epoch, SnapshotProgress.Mode.CHUNKED, false, Map.of(), Map.of());
                try (SnapshotSlot created = SnapshotSlot.create(spec.source(), slot, spec.capturedTables())) {
                    LOG.info("replication slot {} created at {}; reading the snapshot it exported in chunks", slot, created.consistentPoint());
                    read(fresh, progress, created);
                }
                return true;
            }
            if (state.mode() != SnapshotProgress.Mode.DEBEZIUM) {
                progress.startEpoch(UUID.randomUUID().toString(), SnapshotProgress.Mode.DEBEZIUM);
            }
            LOG.info("replication slot {} {}: Debezium takes the snapshot", slot,
                    slotExists ? "was not created by a chunked snapshot" : "is gone while the source topics hold rows");
            return false;
        }
    }

    private boolean sourceTopicsEmpty() {
        try (Admin admin = Admin.create(kafkaConfig)) {
            Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
            for (String topic : ProducerStage.sourceTopics(spec)) {
                admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                        .forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            }
            return admin.listOffsets(request).all().get().values().stream().allMatch(o -> o.offset() == 0);
        } catch (ExecutionException e) {
            throw new ProducerException("cannot read the source topics' offsets: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProducerException("interrupted while reading the source topics' offsets", e);
        }
    }

    /** One chunk to read. */
    private record Chunk(SnapshotTable table, List<List<String>> starts, int index) {}

    private void read(SnapshotProgress.State state, SnapshotProgress progress, SnapshotSlot slot) throws InterruptedException {
        List<Connection> readers = new ArrayList<>();
        try {
            for (int i = 0; i < settings.readers(); i++) {
                Connection c = PostgresCatalog.open(spec.source());
                readers.add(c);
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                }
            }
            String snapshot = slot != null ? slot.snapshotName() : exportSnapshot(readers.get(0));
            for (int i = slot != null ? 0 : 1; i < readers.size(); i++) {
                try (Statement s = readers.get(i).createStatement()) {
                    s.execute("SET TRANSACTION SNAPSHOT '" + snapshot.replace("'", "''") + "'");
                }
            }
            if (slot != null) {
                slot.close(); // every reader holds the snapshot now
            }
            ConcurrentLinkedQueue<Chunk> queue = new ConcurrentLinkedQueue<>();
            Map<String, AtomicInteger> remaining = new LinkedHashMap<>();
            Map<String, AtomicLong> rows = new ConcurrentHashMap<>();
            List<SnapshotTable> complete = new ArrayList<>();
            for (String qualified : readingOrder(spec)) {
                int dot = qualified.indexOf('.');
                SnapshotTable table = SnapshotTable.describe(readers.get(0), spec.name(), qualified.substring(0, dot),
                        qualified.substring(dot + 1));
                SnapshotProgress.TablePlan plan = state.plans().get(qualified);
                if (plan == null) {
                    long count = table.count(readers.get(0));
                    long chunkRows = Math.max(settings.minChunkRows(), (count + settings.chunksPerTable() - 1) / settings.chunksPerTable());
                    plan = new SnapshotProgress.TablePlan(qualified, table.chunkStarts(readers.get(0), chunkRows));
                    progress.plan(state.epoch(), plan);
                    LOG.info("{}: {} row(s) in {} chunk(s)", qualified, count, plan.chunks());
                }
                Map<Integer, Long> done = state.done().getOrDefault(qualified, Map.of());
                rows.put(qualified, new AtomicLong(state.rowsDone(qualified)));
                int left = 0;
                for (int i = 0; i < plan.chunks(); i++) {
                    if (!done.containsKey(i)) {
                        queue.add(new Chunk(table, plan.starts(), i));
                        left++;
                    }
                }
                remaining.put(qualified, new AtomicInteger(left));
                if (left == 0) {
                    complete.add(table);
                }
            }
            for (SnapshotTable table : complete) {
                report(table, rows.get(table.qualifiedName()).get());
            }
            ExecutorService pool = Executors.newFixedThreadPool(readers.size(), r -> new Thread(r, "shiftlog-snapshot-reader"));
            try {
                List<Future<?>> workers = new ArrayList<>();
                for (Connection reader : readers) {
                    workers.add(pool.submit(() -> {
                        for (Chunk chunk = queue.poll(); chunk != null; chunk = queue.poll()) {
                            long read = readChunk(reader, chunk);
                            progress.chunkDone(state.epoch(), chunk.table().qualifiedName(), chunk.index(), read);
                            long total = rows.get(chunk.table().qualifiedName()).addAndGet(read);
                            if (remaining.get(chunk.table().qualifiedName()).decrementAndGet() == 0) {
                                report(chunk.table(), total);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> worker : workers) {
                    worker.get();
                }
            } catch (ExecutionException e) {
                queue.clear();
                Throwable cause = e.getCause();
                throw cause instanceof ProducerException p ? p
                        : new ProducerException("the snapshot failed: " + PostgresCatalog.redact(String.valueOf(cause.getMessage()), spec.source()), cause);
            } finally {
                pool.shutdownNow();
            }
            progress.complete(state.epoch());
            LOG.info("snapshot complete: {}", sent());
        } catch (SQLException e) {
            throw new ProducerException("the snapshot cannot read the legacy database: " + PostgresCatalog.redact(e.getMessage(), spec.source()), e);
        } finally {
            for (Connection c : readers) {
                try {
                    c.rollback(); // read only: nothing to keep, and no snapshot left open on the server
                    c.close();
                } catch (SQLException ignored) {
                    // closing anyway
                }
            }
        }
    }

    private static String exportSnapshot(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_export_snapshot()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Sends every row of the chunk and returns once Kafka acknowledged them all. */
    private long readChunk(Connection reader, Chunk chunk) throws Exception {
        String topic = names.source(chunk.table().schemaName(), chunk.table().tableName());
        byte[] ts = Long.toString(System.currentTimeMillis()).getBytes(StandardCharsets.UTF_8);
        java.util.concurrent.atomic.AtomicReference<Exception> refused = new java.util.concurrent.atomic.AtomicReference<>();
        LongAdder counter = sent.computeIfAbsent(topic, t -> new LongAdder());
        long read = chunk.table().readChunk(reader, chunk.starts(), chunk.index(), settings.fetchSize(), (key, value) -> {
            RecordHeaders headers = new RecordHeaders();
            headers.add(ChangeEventPublisher.OP_HEADER, SNAPSHOT_OP);
            headers.add(ChangeEventPublisher.TS_HEADER, ts);
            producer.send(new ProducerRecord<>(topic, null, key, value, headers), (metadata, error) -> {
                if (error != null) {
                    refused.compareAndSet(null, error);
                }
            });
            counter.increment();
        });
        producer.flush(); // every record sent so far, this chunk's included, is acknowledged or failed
        if (refused.get() != null) {
            throw new ProducerException("Kafka refused a snapshot row of " + chunk.table().qualifiedName() + " (chunk "
                    + chunk.index() + ", which a restart reads again): " + refused.get().getMessage(), refused.get());
        }
        CrashPoint.PRODUCER_AFTER_ACK.reached();
        return read;
    }

    private static final byte[] SNAPSHOT_OP = "r".getBytes(StandardCharsets.UTF_8);

    private synchronized void report(SnapshotTable table, long rows) {
        try {
            listener.tableSnapshotted(table.schemaName(), table.tableName(), rows);
        } catch (RuntimeException e) { // the trail is informative; capture must go on
            LOG.warn("could not record the snapshot of {} ({} rows): {}", table.qualifiedName(), rows, e.getMessage());
        }
    }

    /**
     * The order the chunks are queued in: looked-up tables, then mappings parents first, then the rest. A child read
     * before its parent has landed must park and ask the parent's gate; read in this order, the parents land while the
     * first children are still on their way, and the rest go straight through.
     */
    static List<String> readingOrder(MigrationDef spec) {
        Set<String> order = new LinkedHashSet<>();
        String schema = spec.source().schema();
        spec.tables().forEach(t -> t.lookups().forEach(l -> order.add(l.sourceSchema(schema) + "." + l.sourceTable())));
        spec.landingOrder().forEach(t -> order.add(t.qualifiedSource(schema)));
        order.addAll(spec.capturedTables());
        return List.copyOf(order);
    }
}
