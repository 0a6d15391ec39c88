package dev.shiftlog.operate.status;

import dev.shiftlog.operate.DlqTally;
import dev.shiftlog.operate.status.StatusReport.PartitionLag;
import dev.shiftlog.operate.status.StatusReport.TableProgress;
import dev.shiftlog.operate.verify.LegacyRowReader;
import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.catalog.PostgresCatalog;
import dev.shiftlog.schemas.catalog.SqlIdentifiers;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import dev.shiftlog.schemas.rows.RowMapper;
import dev.shiftlog.schemas.spec.MigrationDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Samples a running migration from the outside — topic end offsets, the stages' committed offsets, the DLQ, the
 * parking gates' changelogs and the target's row counts — so {@code status}, {@code cutover} and every worker's
 * {@code /status} agree on one definition of progress. Reads only.
 */
public final class StatusProbe implements AutoCloseable {
    private static final long ESTIMATE_ABOVE = 1_000_000;

    private final MigrationDef spec;
    private final TopicNames names;
    private final Admin admin;
    private final DlqTally dlq;
    private final KafkaConsumer<byte[], byte[]> changelogs;
    /** Peeks at the oldest output row the sink has not committed; separate, so changelogs keep their positions. */
    private final KafkaConsumer<byte[], byte[]> outputs;
    private final Map<String, Set<ByteBuffer>> parkedKeys = new HashMap<>();
    /** target table → legacy rows feeding it and rows the mapping keeps; counted every sample (legacy rows change). */
    private Map<String, long[]> legacyCounts;
    /** Rows a {@code where} or {@code match-on} keeps need a scan of the legacy table: recounted at most this often. */
    private static final long FILTERED_RECOUNT_NANOS = TimeUnit.SECONDS.toNanos(30);
    private long filteredCountedNanos;
    /** mapping (by position in the spec) → rows it kept at its last scan. */
    private final Map<Integer, Long> keptByMapping = new HashMap<>();
    private final Map<String, Long> matchValuesByTarget = new HashMap<>();
    private StatusReport previous;
    private long previousNanos;

    public StatusProbe(MigrationDef spec, Map<String, Object> kafkaConfig, SchemaRegistry registry) {
        this.spec = spec;
        this.names = new TopicNames(spec.name());
        this.admin = Admin.create(kafkaConfig);
        this.dlq = new DlqTally(spec, kafkaConfig, registry);
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.changelogs = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.outputs = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** One sample; rates and ETAs come from the difference to the previous sample of this probe. */
    public StatusReport sample() throws Exception {
        long now = System.nanoTime();
        dlq.readToEnd(Duration.ofSeconds(30));
        legacyCounts = legacyCounts(legacyCounts == null || now - filteredCountedNanos > FILTERED_RECOUNT_NANOS);
        Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, Long> ends = endOffsets(topics);
        Map<TopicPartition, OffsetAndMetadata> transformer = committed(names.transformerGroup());
        Map<TopicPartition, OffsetAndMetadata> sink = committed(names.sinkGroup());
        Map<String, Long> parked = parked(topics);
        Map<String, Long> landed = new HashMap<>();
        Map<String, Long> unresolved = new HashMap<>();
        targetCounts(landed, unresolved);

        List<TableProgress> tables = new ArrayList<>();
        for (String table : spec.targetTables()) {
            Set<String> sources = new HashSet<>();
            spec.mappingsOf(table).forEach(t -> sources.add(names.source(t.sourceSchema(spec.source().schema()), t.sourceTable())));
            long captured = sum(ends, sources::contains, null);
            long transformed = sum(ends, sources::contains, transformer);
            long[] counts = legacyCounts.get(table);
            long rejected = unresolved.getOrDefault(table, 0L);
            long expected = Math.max(0, counts[1] - rejected);
            long got = landed.get(table);
            Double rate = null;
            Long eta = null;
            if (previous != null) {
                TableProgress before = previous.tables().stream().filter(p -> p.table().equals(table)).findFirst().orElse(null);
                double seconds = (now - previousNanos) / 1e9;
                if (before != null && seconds > 0) {
                    rate = Math.max(0, (got - before.landed()) / seconds);
                    if (got >= expected) {
                        eta = 0L;
                    } else if (rate > 0) { // no progress since the last sample: no estimate (null), never an exception
                        eta = (long) Math.ceil((expected - got) / rate);
                    }
                }
            }
            tables.add(new TableProgress(table, counts[0], captured, transformed, got, expected, rejected,
                    parked.getOrDefault(table, 0L), rate, eta));
        }
        List<PartitionLag> lag = new ArrayList<>();
        addLag(lag, "transformer", transformer, ends);
        addLag(lag, "sink", sink, ends);
        long totalLag = lag.stream().mapToLong(PartitionLag::lag).sum();
        // topics a stage has not committed on yet count fully as lag
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            String topic = e.getKey().topic();
            boolean src = topic.startsWith(spec.name() + ".src.");
            boolean out = topic.startsWith(spec.name() + ".out.");
            if ((src && !transformer.containsKey(e.getKey())) || (out && !sink.containsKey(e.getKey()))) {
                if (e.getValue() > 0) {
                    lag.add(new PartitionLag(src ? "transformer" : "sink", topic, e.getKey().partition(), 0, e.getValue(), e.getValue()));
                    totalLag += e.getValue();
                }
            }
        }
        long totalParked = parked.values().stream().mapToLong(Long::longValue).sum();
        long totalDlq = dlq.tables().stream().mapToLong(dlq::count).sum();
        long landedRows = tables.stream().mapToLong(TableProgress::landed).sum();
        long keptRows = tables.stream().mapToLong(t -> t.expected() + t.rejected()).sum();
        // the DLQ is explained when what landed still meets the spec's success rate, as verify judges it
        boolean dlqAccepted = totalDlq == 0 || (keptRows > 0 && 100.0 * landedRows / keptRows >= spec.successRate());
        boolean caughtUp = totalLag == 0 && totalParked == 0 && dlqAccepted
                && tables.stream().allMatch(t -> t.landed() == t.expected());
        StatusReport report = new StatusReport(spec.name(), Instant.now().toString(), tables, lag, totalLag,
                totalDlq, totalParked, cdcDelay(sink, ends), caughtUp);
        previous = report;
        previousNanos = now;
        return report;
    }

    private static long sum(Map<TopicPartition, Long> ends, java.util.function.Predicate<String> topic,
                            Map<TopicPartition, OffsetAndMetadata> committed) {
        long total = 0;
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            if (topic.test(e.getKey().topic())) {
                if (committed == null) {
                    total += e.getValue();
                } else {
                    OffsetAndMetadata c = committed.get(e.getKey());
                    total += c == null ? 0 : Math.min(c.offset(), e.getValue());
                }
            }
        }
        return total;
    }

    private static void addLag(List<PartitionLag> lag, String stage, Map<TopicPartition, OffsetAndMetadata> committed,
                               Map<TopicPartition, Long> ends) {
        committed.forEach((tp, offset) -> {
            Long end = ends.get(tp);
            if (end != null && offset != null) {
                lag.add(new PartitionLag(stage, tp.topic(), tp.partition(), offset.offset(), end, Math.max(0, end - offset.offset())));
            }
        });
    }

    /** End offsets of the migration's source and output topics. */
    private Map<TopicPartition, Long> endOffsets(Set<String> allTopics) throws Exception {
        Set<String> topics = new HashSet<>();
        for (String t : allTopics) {
            if (t.startsWith(spec.name() + ".src.") || t.startsWith(spec.name() + ".out.")) {
                topics.add(t);
            }
        }
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).forEach((name, d) ->
                d.partitions().forEach(p -> request.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, Long> ends = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e
                : admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).entrySet()) {
            ends.put(e.getKey(), e.getValue().offset());
        }
        return ends;
    }

    private Map<TopicPartition, OffsetAndMetadata> committed(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                .forEach((tp, o) -> {
                    if (o != null) {
                        offsets.put(tp, o);
                    }
                });
        return offsets;
    }

    /** Live keys of each parking gate's changelog: rows waiting for their parent right now. */
    private Map<String, Long> parked(Set<String> allTopics) throws Exception {
        // changelog → its table, as the transformer's layout names them; those not created yet are skipped
        Map<String, String> tableOf = new HashMap<>();
        new dev.shiftlog.schemas.TransformerLayout(spec).parkedChangelogs().forEach((table, changelog) -> tableOf.put(changelog, table));
        Set<String> topics = new HashSet<>(tableOf.keySet());
        topics.retainAll(allTopics);
        if (topics.isEmpty()) {
            return Map.of();
        }
        Set<TopicPartition> partitions = new HashSet<>();
        admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).forEach((name, d) ->
                d.partitions().forEach(p -> partitions.add(new TopicPartition(name, p.partition()))));
        if (!changelogs.assignment().equals(partitions)) {
            changelogs.assign(partitions);
            changelogs.seekToBeginning(partitions);
            parkedKeys.clear();
        }
        Map<TopicPartition, Long> end = changelogs.endOffsets(partitions);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (end.entrySet().stream().anyMatch(e -> changelogs.position(e.getKey()) < e.getValue()) && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : changelogs.poll(Duration.ofMillis(200))) {
                Set<ByteBuffer> keys = parkedKeys.computeIfAbsent(r.topic(), t -> new HashSet<>());
                if (r.value() == null || dev.shiftlog.schemas.rows.ParkedKeys.landedWithNull(r.key())) {
                    keys.remove(ByteBuffer.wrap(r.key()));
                } else {
                    keys.add(ByteBuffer.wrap(r.key()));
                }
            }
        }
        Map<String, Long> counts = new HashMap<>();
        parkedKeys.forEach((topic, keys) -> counts.put(tableOf.get(topic), (long) keys.size()));
        return counts;
    }

    /** Age of the oldest output row the sink has not committed yet; 0 when it has committed everything. */
    private long cdcDelay(Map<TopicPartition, OffsetAndMetadata> sink, Map<TopicPartition, Long> ends) {
        long oldest = Long.MAX_VALUE;
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            if (!e.getKey().topic().startsWith(spec.name() + ".out.")) {
                continue;
            }
            OffsetAndMetadata committed = sink.get(e.getKey());
            long from = committed == null ? 0 : committed.offset();
            if (from >= e.getValue()) {
                continue;
            }
            outputs.assign(List.of(e.getKey()));
            outputs.seek(e.getKey(), from);
            for (ConsumerRecord<byte[], byte[]> r : outputs.poll(Duration.ofSeconds(2))) {
                oldest = Math.min(oldest, r.timestamp());
                break;
            }
        }
        return oldest == Long.MAX_VALUE ? 0 : Math.max(0, System.currentTimeMillis() - oldest);
    }

    /**
     * Rows per target table, and per table the DLQ's rows that are still not in the target: a row rejected once and
     * landed since (fixed in the legacy database, or its parent arrived) no longer counts against what is expected.
     */
    private void targetCounts(Map<String, Long> counts, Map<String, Long> unresolved) throws SQLException {
        if (spec.target().isJsonLines()) { // a file's lines; which DLQ rows landed since cannot be told without reading them
            for (String table : spec.targetTables()) {
                counts.put(table, spec.target().jsonLinesRows(table));
                unresolved.put(table, (long) dlq.rows(table).size());
            }
            return;
        }
        try (Connection c = PostgresCatalog.open(spec.target()); Statement s = c.createStatement()) {
            for (String table : spec.targetTables()) {
                String qualified = SqlIdentifiers.qualified(spec.target().schema(), table);
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + qualified)) {
                    rs.next();
                    counts.put(table, rs.getLong(1));
                }
                Set<String> keys = dlq.rows(table).keySet();
                if (keys.isEmpty()) {
                    continue;
                }
                TableMappingDef mapping = spec.mappingsOf(table).get(0);
                String sql = mapping.keepsLegacyKeyInIdMap()
                        ? "SELECT count(*) FROM " + SqlIdentifiers.qualified(spec.target().schema(), TableMappingDef.ID_MAP)
                                + " WHERE migration = ? AND target_table = ? AND legacy_key = ANY (?)"
                        : "SELECT count(*) FROM " + qualified + " WHERE " + SqlIdentifiers.quote(mapping.legacyKey()) + "::text = ANY (?)";
                try (java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
                    int i = 1;
                    if (mapping.keepsLegacyKeyInIdMap()) {
                        ps.setString(i++, spec.name());
                        ps.setString(i++, table);
                    }
                    ps.setArray(i, c.createArrayOf("text", keys.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        unresolved.put(table, keys.size() - rs.getLong(1));
                    }
                } catch (SQLException e) { // cannot tell: count every DLQ row as unresolved
                    unresolved.put(table, (long) keys.size());
                }
            }
        }
    }

    /**
     * Legacy rows per target table, and how many of them the mapping keeps: a plain mapping keeps every row; a
     * {@code where} or {@code match-on} is evaluated over the legacy rows with the transformer's own code — on
     * {@code rescanFiltered} only, the previous result otherwise.
     */
    private Map<String, long[]> legacyCounts(boolean rescanFiltered) throws SQLException {
        Map<String, long[]> counts = new LinkedHashMap<>();
        // consolidated targets: one row per distinct match value across all of their mappings
        Map<String, Set<String>> matches = new HashMap<>();
        try (Connection c = dev.shiftlog.schemas.catalog.LegacyCatalog.open(spec.source())) {
            for (int i = 0; i < spec.tables().size(); i++) {
                TableMappingDef t = spec.tables().get(i);
                String schema = t.sourceSchema(spec.source().schema());
                String table = SqlIdentifiers.qualified(schema, t.sourceTable());
                long rows = 0; // a SQLite file keeps no estimate: it is counted
                if (!spec.source().isSqlite()) {
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                            "SELECT reltuples::bigint FROM pg_class WHERE oid = '" + table.replace("'", "''") + "'::regclass")) {
                        rs.next();
                        rows = rs.getLong(1);
                    }
                }
                if (rows < ESTIMATE_ABOVE) {
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
                        rs.next();
                        rows = rs.getLong(1);
                    }
                }
                long kept;
                if (t.where() == null && t.matchOn() == null) {
                    kept = rows;
                } else if (rescanFiltered) {
                    kept = keptRows(c, t, t.matchOn() == null ? null : matches.computeIfAbsent(t.target(), k -> new HashSet<>()));
                    keptByMapping.put(i, kept);
                } else {
                    kept = keptByMapping.getOrDefault(i, 0L);
                }
                long[] sum = counts.computeIfAbsent(t.target(), k -> new long[2]);
                sum[0] += rows;
                sum[1] += kept;
            }
            if (rescanFiltered) {
                filteredCountedNanos = System.nanoTime();
                matchValuesByTarget.clear();
                matches.forEach((target, values) -> matchValuesByTarget.put(target, (long) values.size()));
            }
            // a consolidated target expects a row per match value, besides the rows sent to the DLQ (counted as kept)
            matchValuesByTarget.forEach((target, values) -> counts.get(target)[1] += values);
        }
        return counts;
    }

    /**
     * Rows of one filtered mapping that pass its {@code where}, counting the ones the DLQ gets; a match-on mapping's
     * matched rows give their values into {@code matches} instead (non-null then), and only its DLQ rows are counted.
     */
    private long keptRows(Connection c, TableMappingDef t, Set<String> matches) throws SQLException {
        long kept = 0;
        try (LegacyRowReader rows = LegacyRowReader.forMapping(c, spec, t)) {
            RowMapper mapper = rows.mapper(spec, t);
            for (LegacyRowReader.LegacyRow row = rows.next(); row != null; row = rows.next()) {
                if (row.refusal() != null) {
                    kept++; // the SQLite capture sent it to the DLQ, which is subtracted from what is expected
                    continue;
                }
                try {
                    if (!mapper.accepts(row.key(), row.value())) {
                        continue;
                    }
                    if (t.matchOn() != null) {
                        matches.add(mapper.matchText(row.key(), row.value()));
                    } else {
                        kept++;
                    }
                } catch (RowMapper.RowRejectedException e) {
                    kept++; // the transformer sends it to the DLQ, which is subtracted from what is expected
                }
            }
        }
        return kept; // match-on targets: the rejected rows only; their distinct values are added afterwards
    }

    @Override
    public void close() {
        changelogs.close(Duration.ofSeconds(2));
        outputs.close(Duration.ofSeconds(2));
        dlq.close();
        admin.close(Duration.ofSeconds(2));
    }
}
