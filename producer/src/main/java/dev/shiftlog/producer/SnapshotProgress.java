package dev.shiftlog.producer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The chunked snapshot's durable state in {@code <m>.snapshot.progress} (compacted, one partition): which epoch runs
 * (one per replication slot the snapshot was taken for), each table's chunk plan, and each chunk Kafka acknowledged
 * whole. A restarted producer reads it back and repeats only the chunks that were in flight.
 */
final class SnapshotProgress implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EPOCH_KEY = "epoch";
    private static final String COMPLETE_KEY = "complete";

    /** Who snapshots the current epoch: shiftlog's chunked reader, or Debezium's own snapshot (a slot shiftlog did not create). */
    enum Mode { CHUNKED, DEBEZIUM }

    /** One table's chunks: chunk i covers keys from {@code starts[i-1]} (inclusive) to {@code starts[i]} (exclusive), as text. */
    record TablePlan(String table, List<List<String>> starts) {
        int chunks() {
            return starts.size() + 1;
        }
    }

    /** What the topic says, for the latest epoch only. */
    record State(String epoch, Mode mode, boolean complete, Map<String, TablePlan> plans, Map<String, Map<Integer, Long>> done) {
        static final State NONE = new State(null, null, false, Map.of(), Map.of());

        boolean chunkedInProgress() {
            return mode == Mode.CHUNKED && !complete;
        }

        long rowsDone(String table) {
            return done.getOrDefault(table, Map.of()).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final String topic;
    private final KafkaProducer<String, String> producer;

    SnapshotProgress(String topic, Map<String, Object> kafkaConfig) {
        this.topic = topic;
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.CLIENT_ID_CONFIG, topic + "-writer");
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    /** Reads the topic from its beginning to its end. */
    static State load(String topic, Map<String, Object> kafkaConfig) {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        Map<String, String> latest = new LinkedHashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    latest.put(r.key(), r.value());
                }
            }
        }
        Map<String, Object> epochRecord = parse(latest.get(EPOCH_KEY));
        if (epochRecord == null) {
            return State.NONE;
        }
        String epoch = (String) epochRecord.get("epoch");
        Mode mode = Mode.valueOf((String) epochRecord.get("mode"));
        Map<String, TablePlan> plans = new LinkedHashMap<>();
        Map<String, Map<Integer, Long>> done = new HashMap<>();
        boolean complete = false;
        for (Map.Entry<String, String> e : latest.entrySet()) {
            Map<String, Object> value = parse(e.getValue());
            if (value == null || !epoch.equals(value.get("epoch"))) {
                continue; // an earlier epoch's record
            }
            if (e.getKey().equals(COMPLETE_KEY)) {
                complete = true;
            } else if (e.getKey().startsWith("plan/")) {
                String table = (String) value.get("table");
                @SuppressWarnings("unchecked")
                List<List<String>> starts = (List<List<String>>) value.get("starts");
                plans.put(table, new TablePlan(table, starts));
            } else if (e.getKey().startsWith("chunk/")) {
                String table = (String) value.get("table");
                done.computeIfAbsent(table, t -> new HashMap<>())
                        .put(((Number) value.get("chunk")).intValue(), ((Number) value.get("rows")).longValue());
            }
        }
        return new State(epoch, mode, complete, plans, done);
    }

    private static Map<String, Object> parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readValue(json, new TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw new ProducerException("unreadable record in the snapshot progress topic: " + e.getOriginalMessage(), e);
        }
    }

    /** Starts a new epoch: what earlier epochs recorded no longer counts. */
    void startEpoch(String epoch, Mode mode) {
        write(EPOCH_KEY, Map.of("epoch", epoch, "mode", mode.name()));
    }

    void plan(String epoch, TablePlan plan) {
        write("plan/" + plan.table(), Map.of("epoch", epoch, "table", plan.table(), "starts", plan.starts()));
    }

    /** Records a chunk whose every row Kafka acknowledged. */
    void chunkDone(String epoch, String table, int chunk, long rows) {
        write("chunk/" + table + "/" + chunk, Map.of("epoch", epoch, "table", table, "chunk", chunk, "rows", rows));
    }

    void complete(String epoch) {
        write(COMPLETE_KEY, Map.of("epoch", epoch));
    }

    private void write(String key, Map<String, Object> value) {
        try {
            producer.send(new ProducerRecord<>(topic, 0, key, JSON.writeValueAsString(value))).get();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new ProducerException("Kafka refused the snapshot's progress record " + key + " in " + topic + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProducerException("interrupted while recording snapshot progress " + key, e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
