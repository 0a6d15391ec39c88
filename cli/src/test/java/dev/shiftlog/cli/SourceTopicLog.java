package dev.shiftlog.cli;

import dev.shiftlog.schemas.avro.AvroDeserializer;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/** A source topic read whole, per legacy key: what the tests count snapshot reads and streamed changes in. */
final class SourceTopicLog {
    /** One record, in log order: Debezium's op code (r, c, u, d), its partition, its key, its row (null for a delete). */
    record Change(String op, int partition, GenericRecord key, GenericRecord value) {}

    private SourceTopicLog() {}

    /** Legacy key text ({@code {"id": 5}}) → its records in offset order; reads until the topic is quiet for 3 s. */
    static Map<String, List<Change>> read(Map<String, Object> clientConfig, SchemaRegistry registry, String topic) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "source-log-" + System.nanoTime());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, List<Change>> out = new TreeMap<>();
        try (KafkaConsumer<GenericRecord, GenericRecord> consumer = new KafkaConsumer<>(config,
                new AvroDeserializer(registry), new AvroDeserializer(registry))) {
            consumer.subscribe(List.of(topic));
            long quietSince = System.currentTimeMillis();
            while (System.currentTimeMillis() - quietSince < 3_000) {
                var records = consumer.poll(Duration.ofMillis(300));
                if (!records.isEmpty()) {
                    quietSince = System.currentTimeMillis();
                }
                for (ConsumerRecord<GenericRecord, GenericRecord> r : records) {
                    String op = new String(r.headers().lastHeader("shiftlog.op").value(), StandardCharsets.UTF_8);
                    out.computeIfAbsent(r.key().toString(), k -> new ArrayList<>()).add(new Change(op, r.partition(), r.key(), r.value()));
                }
            }
        }
        return out;
    }

    /** Snapshot reads beyond the first of each key: the rows a snapshot sent twice. */
    static long snapshotRowsSentAgain(Map<String, List<Change>> log) {
        return log.values().stream().mapToLong(changes -> Math.max(0, changes.stream().filter(c -> c.op().equals("r")).count() - 1)).sum();
    }
}
