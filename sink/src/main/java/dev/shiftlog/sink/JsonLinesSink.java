package dev.shiftlog.sink;

import dev.shiftlog.schemas.CrashPoint;
import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.TopicProvisioner;
import dev.shiftlog.schemas.avro.AvroDeserializer;
import dev.shiftlog.schemas.rows.AvroValues;
import dev.shiftlog.schemas.rows.JsonLineValues;
import dev.shiftlog.schemas.rows.JsonLinesTable;
import dev.shiftlog.schemas.rows.LandedRow;
import dev.shiftlog.schemas.rows.RejectedRow;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink of a JSON Lines target ({@code target.url: jsonl:<folder>}): one {@code <table>.jsonl} file per target
 * table, one JSON object per line ({@link JsonLineValues}), lines ordered by the row's key, for an import tool such
 * as {@code npx convex import --table}.
 *
 * <p>A file is the target table at a checkpoint, not a list of changes: the sink reads the compacted
 * {@code <m>.out.*} topics from their start on every start, keeps the latest row per key, and at each checkpoint
 * (when it has read everything there is, or every {@value #CHECKPOINT_MS} ms while changes keep coming) rewrites the
 * files of the tables that changed into a hidden temporary file, forces it to disk and renames it over the old one.
 * So a reader sees the old file or the new one, never a torn or doubled line; a crash leaves only the temporary file,
 * removed at the next start; and the same log gives byte-identical files. Under CDC an import tool re-imports the
 * rewritten files (e.g. {@code convex import --replace}). Offsets are committed for the group {@code <m>-sink} after
 * the rename, so consumer lag shows progress; rows below them are not sent to the DLQ or announced again after a
 * restart. One instance writes the folder: it reads every partition itself instead of sharing them in the group.
 * Memory holds the JSON text of every row (fine for the sizes files are imported at).
 */
public final class JsonLinesSink implements TargetSink {
    private static final Logger LOG = LoggerFactory.getLogger(JsonLinesSink.class);
    /** While changes keep coming, files are rewritten at most this often. */
    static final long CHECKPOINT_MS = 10_000;
    static final String SUFFIX = ".jsonl";

    private final MigrationDef spec;
    private final Map<String, Object> kafkaConfig;
    private final SchemaRegistry registry;
    private final AppliedBatchListener listener;
    private final Path dir;
    private final Map<String, String> tableByTopic = new HashMap<>();
    private final Map<String, TableFile> files = new LinkedHashMap<>();
    private final Set<String> referenced = new java.util.HashSet<>();
    /** Puts the objects of upload columns before their rows reach a file; null when no column uploads. */
    private final ObjectUploads uploads;
    private final SinkThread loop = new SinkThread();
    private KafkaConsumer<GenericRecord, GenericRecord> consumer;
    private KafkaProducer<GenericRecord, GenericRecord> eventsProducer;
    private LandingAnnouncer announcer;
    /** Per partition, the offset the group had committed at start: records before it were handled by an earlier run. */
    private final Map<TopicPartition, Long> handledBefore = new HashMap<>();

    public JsonLinesSink(MigrationDef spec, Map<String, Object> kafkaConfig, SchemaRegistry registry, AppliedBatchListener listener) {
        this.spec = spec;
        this.kafkaConfig = Map.copyOf(kafkaConfig);
        this.registry = registry;
        this.listener = listener;
        this.dir = spec.target().jsonLinesDir();
        TopicNames names = new TopicNames(spec.name());
        for (String table : spec.targetTables()) {
            List<TableMappingDef> mappings = spec.mappingsOf(table);
            tableByTopic.put(names.out(table), table);
            files.put(table, new TableFile(table, mappings, spec.target()));
        }
        spec.tables().forEach(t -> t.references().forEach(c -> referenced.add(c.ref())));
        uploads = ObjectUploads.of(spec);
    }

    @Override
    public void start() {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".shiftlog-probe", ".tmp");
            Files.delete(probe);
            try (var leftovers = Files.newDirectoryStream(dir, ".*" + SUFFIX + ".tmp")) {
                for (Path leftover : leftovers) { // a write a crash interrupted; the complete file beside it is intact
                    LOG.info("removing {}, a file write an earlier run did not finish", leftover);
                    Files.delete(leftover);
                }
            }
        } catch (IOException e) {
            throw new SinkException("cannot write JSON Lines files into " + dir.toAbsolutePath() + " (" + e
                    + "); target.url must name a folder this process may create and write", e);
        }
        if (uploads != null) {
            uploads.start();
        }
        TopicNames names = new TopicNames(spec.name());
        TopicProvisioner topics = new TopicProvisioner(kafkaConfig);
        topics.ensure(List.of(names.dlq(), names.landed(), names.landedIds()), spec.kafka().partitions(), names);
        topics.ensure(List.copyOf(tableByTopic.keySet()), spec.kafka().partitions(), names);
        Map<String, Object> consumerConfig = SinkStage.consumerConfig(spec, kafkaConfig);
        consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        consumer = new KafkaConsumer<>(consumerConfig, new AvroDeserializer(registry), new AvroDeserializer(registry));
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : tableByTopic.keySet()) {
            List<PartitionInfo> found = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (found == null || found.isEmpty()) {
                throw new SinkException("Kafka lists no partitions of " + topic + ", which was just ensured; check that"
                        + " kafka.bootstrap-servers names the cluster the other stages use", null);
            }
            for (PartitionInfo p : found) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.committed(Set.copyOf(partitions), Duration.ofSeconds(30))
                .forEach((tp, o) -> handledBefore.put(tp, o == null ? 0L : o.offset()));
        consumer.seekToBeginning(partitions); // the files are rebuilt from the whole (compacted) log
        eventsProducer = SinkStage.eventsProducer(spec, kafkaConfig, registry);
        announcer = new LandingAnnouncer(eventsProducer, names);
        loop.start("shiftlog-jsonl-sink", this::run, this::closeResources);
        LOG.info("sink writing {} table(s) as JSON Lines into {}", files.size(), dir.toAbsolutePath());
    }

    /** The loop: read, apply, and at each checkpoint rewrite the changed files; until a stop is asked for. */
    private void run() {
        long lastCheckpoint = System.currentTimeMillis();
        List<RejectedRow> rejected = new ArrayList<>();
        List<LandedRow> landings = new ArrayList<>();
        while (loop.running()) {
            var records = consumer.poll(Duration.ofMillis(500));
            for (ConsumerRecord<GenericRecord, GenericRecord> r : records) {
                TableFile file = files.get(tableByTopic.get(r.topic()));
                boolean fresh = r.offset() >= handledBefore.getOrDefault(new TopicPartition(r.topic(), r.partition()), 0L);
                try {
                    file.apply(r.key(), uploads == null ? r.value() : uploads.put(file.table, r.value()));
                    if (fresh && r.value() != null && referenced.contains(file.table)) {
                        landings.add(landing(file.mapping, r.value()));
                    }
                } catch (JsonLineValues.NotJsonException e) {
                    if (fresh) {
                        rejected.add(rejection(file, r, e));
                    }
                }
            }
            boolean dirty = files.values().stream().anyMatch(f -> f.changed);
            if (dirty && (records.isEmpty() || System.currentTimeMillis() - lastCheckpoint >= CHECKPOINT_MS)) {
                checkpoint(rejected, landings);
                lastCheckpoint = System.currentTimeMillis();
            } else if (!dirty && records.isEmpty()) {
                commitPositions(); // steps over transaction markers, so the lag reaches 0
            }
        }
    }

    /** What the loop leaves behind, however it ended. */
    private void closeResources() {
        consumer.close(Duration.ofSeconds(5));
        eventsProducer.close(Duration.ofSeconds(5));
        if (uploads != null) {
            uploads.close();
        }
    }

    /** Rewrites the changed files, then reports what they refused and announces what landed, then commits offsets. */
    private void checkpoint(List<RejectedRow> rejected, List<LandedRow> landings) {
        for (TableFile file : files.values()) {
            if (file.changed) {
                try {
                    file.write(spec.target().jsonLinesFile(file.table));
                } catch (IOException e) {
                    throw new SinkException("cannot write " + spec.target().jsonLinesFile(file.table).toAbsolutePath() + ": " + e
                            + "; the previous file is intact and nothing was committed", e);
                }
            }
        }
        CrashPoint.JSON_LINES_AFTER_RENAME.reached();
        String dlq = new TopicNames(spec.name()).dlq();
        List<Future<?>> sends = new ArrayList<>();
        for (RejectedRow r : rejected) {
            LOG.warn("{}:{} has no JSON form ({}); sent to {}", r.targetTable(), r.legacyKey(), r.message(), dlq);
            sends.add(eventsProducer.send(new ProducerRecord<>(dlq, r.key(), r.value())));
        }
        for (LandedRow l : landings) {
            sends.addAll(announcer.announce(l, null));
        }
        for (Future<?> send : sends) {
            try {
                send.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new SinkException("cannot write to " + dlq + " or " + announcer.topics() + "; offsets not committed: " + e.getCause().getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SinkException("interrupted while writing to " + dlq, e);
            }
        }
        rejected.clear();
        landings.clear();
        commitPositions();
        for (TableFile file : files.values()) {
            if (file.upserts + file.deletes > 0) {
                listener.applied(file.table, file.upserts, file.deletes);
                file.upserts = 0;
                file.deletes = 0;
            }
        }
    }

    private void commitPositions() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            long position = consumer.position(tp);
            if (position > handledBefore.getOrDefault(tp, 0L)) {
                offsets.put(tp, new OffsetAndMetadata(position));
            }
        }
        if (!offsets.isEmpty()) {
            consumer.commitSync(offsets);
            offsets.forEach((tp, o) -> handledBefore.put(tp, o.offset()));
        }
    }

    private static LandedRow landing(TableMappingDef table, GenericRecord row) {
        String legacyKey = AvroValues.text(row.getSchema().getField(table.legacyKey()).schema(), row.get(table.legacyKey()));
        String id = AvroValues.text(row.getSchema().getField(table.key()).schema(), row.get(table.key()));
        return new LandedRow(table.target(), legacyKey, id);
    }

    private static RejectedRow rejection(TableFile file, ConsumerRecord<GenericRecord, GenericRecord> r, Exception reason) {
        GenericRecord row = r.value();
        Schema.Field legacy = row.getSchema().getField(file.mapping.legacyKey());
        String legacyKey = legacy != null ? AvroValues.text(legacy.schema(), row.get(legacy.pos())) : AvroValues.keyText(r.key());
        return new RejectedRow("sink", file.table, r.topic(), r.partition(), r.offset(), legacyKey, "json value",
                reason.getMessage(), GenericData.get().toString(row), System.currentTimeMillis());
    }

    @Override
    public CompletableFuture<Void> stopped() {
        return loop.stopped();
    }

    /** Stops after the checkpoint in hand; rows read since the last one are read again by the next start. */
    @Override
    public void close() {
        loop.stop(15_000, consumer);
    }

    /** One table's lines, what changed since the last checkpoint, and how its file is replaced. */
    static final class TableFile {
        final String table;
        final TableMappingDef mapping;
        final JsonLinesTable lines;
        boolean changed = true; // a table with no rows yet still gets its (empty) file
        int upserts;
        int deletes;

        TableFile(String table, List<TableMappingDef> mappings, dev.shiftlog.schemas.spec.ConnectionDef target) {
            this.table = table;
            this.lines = new JsonLinesTable(table, mappings, target);
            this.mapping = lines.mapping();
        }

        void apply(GenericRecord key, GenericRecord value) throws JsonLineValues.NotJsonException {
            if (lines.apply(key, value)) {
                changed = true;
                if (value == null) {
                    deletes++;
                } else {
                    upserts++;
                }
            }
        }

        /** Writes every line, in key order, to a hidden file beside {@code file}, forces it to disk and renames it over. */
        void write(Path file) throws IOException {
            Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
            int half = lines.size() / 2;
            try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE);
                 var out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 1 << 16)) {
                int n = 0;
                for (String key : lines.keys()) {
                    out.write(lines.line(key).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    if (++n == half) {
                        out.flush(); // what a crash at this point leaves on disk
                        CrashPoint.JSON_LINES_MID_WRITE.reached();
                    }
                }
                out.flush();
                channel.force(true);
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            try (var folder = java.nio.channels.FileChannel.open(file.toAbsolutePath().getParent(), java.nio.file.StandardOpenOption.READ)) {
                folder.force(true); // the rename itself survives a power cut
            }
            changed = false;
        }
    }
}
