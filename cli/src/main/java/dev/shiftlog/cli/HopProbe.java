package dev.shiftlog.cli;

import dev.shiftlog.schemas.avro.AvroSerde;
import dev.shiftlog.schemas.registry.SchemaRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Notes when each legacy row changed in bench's CDC phase first becomes readable on its source topic (the producer's
 * hop) and, read committed, on its output topic (the transformer's hop, visible at its transaction's commit), so the
 * end-to-end latency can be split by stage. Keyed by the legacy id: the source key's Avro long, the output row's
 * {@code legacy_id}.
 */
final class HopProbe implements AutoCloseable {
    private final Map<Long, Long> onSource = new ConcurrentHashMap<>();
    private final Map<Long, Long> onOutput = new ConcurrentHashMap<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String sourceTopic;
    private final org.apache.kafka.common.serialization.Deserializer<GenericRecord> values;
    private final Thread reader;
    private volatile boolean running = true;

    /** Starts reading both topics from their current ends: only what is written from now on is noted. */
    HopProbe(Map<String, Object> client, SchemaRegistry registry, String sourceTopic, String outputTopic) {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
        config.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.sourceTopic = sourceTopic;
        this.values = new AvroSerde(registry, false).deserializer();
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(sourceTopic, outputTopic)) {
            consumer.partitionsFor(topic, Duration.ofSeconds(10)).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // the seek is lazy: settle it before the first change is made
        reader = new Thread(this::read, "bench-hop-probe");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        while (running) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                long now = System.currentTimeMillis();
                if (r.topic().equals(sourceTopic)) {
                    onSource.putIfAbsent(avroLongAfterHeader(r.key()), now);
                } else if (r.value() != null) {
                    Object legacyId = values.deserialize(r.topic(), r.value()).get("legacy_id");
                    onOutput.putIfAbsent(((Number) legacyId).longValue(), now);
                }
            }
        }
    }

    /** Wall-clock millis when the row's change was first readable on the source topic, or null. */
    Long onSource(long legacyId) {
        return onSource.get(legacyId);
    }

    /** Wall-clock millis when the row's change was first readable (committed) on the output topic, or null. */
    Long onOutput(long legacyId) {
        return onOutput.get(legacyId);
    }

    /** A single-long Avro key after the 5-byte registry header (magic byte, schema id). */
    static long avroLongAfterHeader(byte[] key) {
        try {
            return org.apache.avro.io.DecoderFactory.get().binaryDecoder(key, 5, key.length - 5, null).readLong();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("not a single-long Avro key: " + java.util.HexFormat.of().formatHex(key), e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        reader.join(5_000);
        consumer.close(Duration.ofSeconds(5));
    }
}
