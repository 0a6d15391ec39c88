package dev.shiftlog.operate;

import dev.shiftlog.schemas.TopicNames;
import dev.shiftlog.schemas.avro.AvroDeserializer;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import dev.shiftlog.schemas.rows.RejectedRow;
import dev.shiftlog.schemas.spec.MigrationDef;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Counts the rejected rows in {@code <m>.dlq} per target table and rule, reading the topic incrementally without a
 * consumer group, so a summary can say where every legacy row went. A row rejected twice (a replay) counts once.
 */
public final class DlqTally implements AutoCloseable {
    private final KafkaConsumer<GenericRecord, GenericRecord> consumer;
    private final String topic;
    /** table → legacy key → the latest rejection, so replays do not double-count. */
    private final Map<String, Map<String, RejectedRow>> rejected = new TreeMap<>();

    public DlqTally(MigrationDef spec, Map<String, Object> kafkaConfig, SchemaRegistry registry) {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer = new KafkaConsumer<>(config, new AvroDeserializer(registry), new AvroDeserializer(registry));
        topic = new TopicNames(spec.name()).dlq();
    }

    /** Assigns the DLQ's partitions once the topic exists (the stages create it; this may start first). */
    private boolean assigned() {
        if (!consumer.assignment().isEmpty()) {
            return true;
        }
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5));
        if (partitions == null || partitions.isEmpty()) {
            return false;
        }
        List<TopicPartition> assignment = partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(assignment);
        consumer.seekToBeginning(assignment);
        return true;
    }

    /** Reads what arrived since the last call. */
    public void refresh() {
        if (!assigned()) {
            return;
        }
        for (ConsumerRecord<GenericRecord, GenericRecord> r : consumer.poll(Duration.ofMillis(200))) {
            RejectedRow row = RejectedRow.fromAvro(r.value());
            rejected.computeIfAbsent(row.targetTable(), t -> new TreeMap<>()).put(row.legacyKey(), row);
        }
    }

    /**
     * Reads the whole topic as it is now (up to its current end offsets), so {@code verify} accounts for every
     * rejection made before it started.
     */
    public void readToEnd(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!assigned()) {
            return; // no DLQ topic yet: nothing was rejected
        }
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read " + topic + " to its end within " + timeout.toSeconds() + " s");
            }
            refresh();
        }
    }

    /** Whether the DLQ holds a rejection of this legacy key for this target table. */
    public boolean contains(String table, String legacyKey) {
        return rejected.getOrDefault(table, Map.of()).containsKey(legacyKey);
    }

    /** legacy key → the latest rejection of that row, for one target table. */
    public Map<String, RejectedRow> rows(String table) {
        return java.util.Collections.unmodifiableMap(rejected.getOrDefault(table, Map.of()));
    }

    /** Every target table with rejections. */
    public java.util.Set<String> tables() {
        return rejected.keySet();
    }

    public long count(String table) {
        return rejected.getOrDefault(table, Map.of()).size();
    }

    /** rule → how many rows of this table it rejected. */
    public Map<String, Long> byRule(String table) {
        Map<String, Long> counts = new TreeMap<>();
        rejected.getOrDefault(table, Map.of()).values().forEach(r -> counts.merge(r.rule(), 1L, Long::sum));
        return counts;
    }

    /** One rejection of this table by this rule, to show the reason. */
    public RejectedRow example(String table, String rule) {
        return rejected.getOrDefault(table, Map.of()).values().stream().filter(r -> r.rule().equals(rule)).findFirst().orElseThrow();
    }

    /**
     * Cycles among the rows of a self-referencing table that never landed: each DLQ entry of rule
     * {@code parent <table>} carries its missing parent's legacy key, so rows waiting for each other in a ring are a cycle. Each
     * cycle is listed once, from its smallest key, e.g. {@code [900002, 900003, 900002]}.
     */
    public List<List<String>> cycles(String table) {
        Map<String, String> parentOf = new TreeMap<>();
        for (RejectedRow r : rejected.getOrDefault(table, Map.of()).values()) {
            if (r.rule().equals("parent " + table) && r.missingParent() != null) {
                parentOf.put(r.legacyKey(), r.missingParent());
            }
        }
        List<List<String>> cycles = new java.util.ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String start : parentOf.keySet()) {
            List<String> path = new java.util.ArrayList<>();
            String at = start;
            while (at != null && !path.contains(at) && !seen.contains(at)) {
                path.add(at);
                at = parentOf.get(at);
            }
            seen.addAll(path);
            if (at != null && path.contains(at)) {
                List<String> ring = new java.util.ArrayList<>(path.subList(path.indexOf(at), path.size()));
                ring.add(at);
                cycles.add(ring);
            }
        }
        return cycles;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
