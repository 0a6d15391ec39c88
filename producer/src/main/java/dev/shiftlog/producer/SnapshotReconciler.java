package dev.shiftlog.producer;

import dev.shiftlog.schemas.avro.AvroDeserializer;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the rows an interrupted snapshot captured that are gone by the time the snapshot runs again. Debezium
 * restarts an unfinished snapshot from the beginning, and a row deleted in between is simply not read again: no
 * change event says it is gone, so without this its target row would stay forever.
 *
 * <p>When the first snapshot row of a process arrives, the source topics hold only what earlier runs wrote: their
 * live keys (latest record not a tombstone) are loaded. Every key the new snapshot emits is crossed off; what remains
 * when a table's snapshot ends gets a tombstone. A first snapshot finds empty topics and costs nothing.
 */
final class SnapshotReconciler {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotReconciler.class);

    private final Map<String, Object> kafkaConfig;
    private final SchemaRegistry registry;
    /** topic → canonical key text → key, of rows earlier runs captured and this snapshot has not re-read yet. */
    private Map<String, Map<String, GenericRecord>> prior;

    SnapshotReconciler(Map<String, Object> kafkaConfig, SchemaRegistry registry) {
        this.kafkaConfig = kafkaConfig;
        this.registry = registry;
    }

    /** Loads the live keys of the topics once, before this process sends its first snapshot row. */
    void loadOnce(Collection<String> topics) {
        if (prior != null) {
            return;
        }
        prior = new HashMap<>();
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             AvroDeserializer keys = new AvroDeserializer(registry)) {
            for (String topic : topics) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                Map<String, GenericRecord> live = new LinkedHashMap<>();
                while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        GenericRecord key = keys.deserialize(topic, r.key());
                        if (r.value() == null) {
                            live.remove(canonical(key));
                        } else {
                            live.put(canonical(key), key);
                        }
                    }
                }
                if (!live.isEmpty()) {
                    LOG.info("{}: an earlier run captured {} row(s); the snapshot starts again and deletes those it no longer finds",
                            topic, live.size());
                    prior.put(topic, live);
                }
            }
        }
    }

    /** A key the running snapshot emitted: that row still exists. */
    void seen(String topic, GenericRecord key) {
        Map<String, GenericRecord> live = prior == null ? null : prior.get(topic);
        if (live != null) {
            live.remove(canonical(key));
        }
    }

    /** Keys captured earlier that this finished snapshot of the topic's table did not find: deleted meanwhile. */
    List<GenericRecord> vanished(String topic) {
        Map<String, GenericRecord> live = prior == null ? null : prior.remove(topic);
        return live == null ? List.of() : new ArrayList<>(live.values());
    }

    /** Field values as text: equal for the same key whether it came from Debezium or was read back from Kafka. */
    private static String canonical(GenericRecord key) {
        return GenericData.get().toString(key);
    }
}
