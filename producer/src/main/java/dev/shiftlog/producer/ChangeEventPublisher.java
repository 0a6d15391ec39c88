package dev.shiftlog.producer;

import dev.shiftlog.schemas.TopicNames;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Sends each Debezium batch to the source topics and marks its records processed only after Kafka acknowledged
 * all of them, in order: a crash can repeat a batch, never skip one.
 */
final class ChangeEventPublisher implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {
    /** Header with Debezium's op code: {@code r} snapshot read, {@code c} insert, {@code u} update, {@code d} delete. */
    static final String OP_HEADER = "shiftlog.op";
    static final String LSN_HEADER = "shiftlog.lsn";
    static final String TS_HEADER = "shiftlog.ts_ms";

    private final String debeziumPrefix;
    private final TopicNames topics;
    private final Producer<GenericRecord, GenericRecord> producer;
    private final Map<String, ConnectToAvro> converters = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> captured = new ConcurrentHashMap<>();
    /** Snapshot rows per legacy table ({@code schema.table}) of the spec, in spec order; removed once reported. */
    private final Map<String, Long> snapshotPending = new java.util.LinkedHashMap<>();
    private final SnapshotListener snapshotListener;
    private final SnapshotReconciler reconciler;
    private final List<String> sourceTopics = new ArrayList<>();

    /** @param tables the spec's legacy tables as {@code schema.table}, each reported once to the listener */
    ChangeEventPublisher(String debeziumPrefix, TopicNames topics, Producer<GenericRecord, GenericRecord> producer,
                         java.util.Collection<String> tables, SnapshotListener snapshotListener, SnapshotReconciler reconciler) {
        this.debeziumPrefix = debeziumPrefix;
        this.topics = topics;
        this.producer = producer;
        tables.forEach(t -> snapshotPending.put(t, 0L));
        tables.forEach(t -> sourceTopics.add(topicOf(t)));
        this.snapshotListener = snapshotListener;
        this.reconciler = reconciler;
    }

    private String topicOf(String schemaDotTable) {
        int dot = schemaDotTable.indexOf('.');
        return topics.source(schemaDotTable.substring(0, dot), schemaDotTable.substring(dot + 1));
    }

    /** Debezium's snapshot marker of a row read by the initial snapshot; null for streamed changes and other records. */
    private static String snapshotMarker(SourceRecord record) {
        if (!(record.value() instanceof Struct envelope) || envelope.schema().field("source") == null) {
            return null;
        }
        Struct source = envelope.getStruct("source");
        if (source == null || source.schema().field("snapshot") == null || source.get("snapshot") == null) {
            return null;
        }
        String marker = source.get("snapshot").toString();
        return "false".equals(marker) || "incremental".equals(marker) ? null : marker;
    }

    /** Rows sent per source topic since start, snapshot and streaming together. */
    Map<String, Long> captured() {
        Map<String, Long> result = new java.util.TreeMap<>();
        captured.forEach((k, v) -> result.put(k, v.sum()));
        return result;
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> events,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        List<Future<RecordMetadata>> sends = new ArrayList<>(events.size());
        for (RecordChangeEvent<SourceRecord> event : events) {
            if (!snapshotPending.isEmpty() && snapshotMarker(event.record()) != null) {
                reconciler.loadOnce(sourceTopics); // before the first snapshot row of this process is sent
            }
            sends.add(send(event.record()));
        }
        for (int i = 0; i < events.size(); i++) {
            Future<RecordMetadata> send = sends.get(i);
            if (send != null) {
                try {
                    send.get();
                } catch (ExecutionException e) {
                    throw new ProducerException("Kafka refused a change of " + events.get(i).record().topic()
                            + "; nothing after it is acknowledged to the source, so a restart resumes here: "
                            + e.getCause().getMessage(), e.getCause());
                }
                dev.shiftlog.schemas.CrashPoint.PRODUCER_AFTER_ACK.reached();
            }
            // a table's vanished rows are deleted before its last snapshot row counts as processed: a crash in
            // between repeats the snapshot, which finds them again
            noteSnapshotProgress(events.get(i).record());
            committer.markProcessed(events.get(i));
        }
        committer.markBatchFinished();
    }

    /**
     * Counts snapshot rows and reports a table when Debezium marks its last one; runs after Kafka acknowledged the
     * row, so a reported table is really captured.
     */
    /** Tombstones for the rows an interrupted earlier snapshot captured that this one did not find. */
    private void deleteVanished(String table) throws InterruptedException {
        String topic = topicOf(table);
        List<GenericRecord> vanished = reconciler.vanished(topic);
        if (vanished.isEmpty()) {
            return;
        }
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        for (GenericRecord key : vanished) {
            RecordHeaders headers = new RecordHeaders();
            headers.add(OP_HEADER, "d".getBytes(StandardCharsets.UTF_8));
            headers.add(TS_HEADER, Long.toString(System.currentTimeMillis()).getBytes(StandardCharsets.UTF_8));
            sends.add(producer.send(new ProducerRecord<>(topic, null, key, null, headers)));
        }
        for (Future<RecordMetadata> send : sends) {
            try {
                send.get();
            } catch (ExecutionException e) {
                throw new ProducerException("Kafka refused a delete of a row that vanished during an interrupted snapshot of "
                        + table + "; the snapshot repeats on restart: " + e.getCause().getMessage(), e.getCause());
            }
        }
        captured.computeIfAbsent(topic, t -> new LongAdder()).add(vanished.size());
        org.slf4j.LoggerFactory.getLogger(ChangeEventPublisher.class).info(
                "{}: {} row(s) captured by an interrupted snapshot were deleted since; sent as deletes", table, vanished.size());
    }

    private void noteSnapshotProgress(SourceRecord record) throws InterruptedException {
        if (snapshotPending.isEmpty() || !(record.value() instanceof Struct envelope) || envelope.schema().field("source") == null) {
            return;
        }
        Struct source = envelope.getStruct("source");
        if (source == null || source.schema().field("snapshot") == null || source.get("snapshot") == null) {
            return;
        }
        String marker = source.get("snapshot").toString();
        if ("false".equals(marker)) { // streaming: no snapshot row follows in this process, stop looking
            snapshotPending.clear();
            return;
        }
        if ("incremental".equals(marker)) {
            return;
        }
        String table = source.getString("schema") + "." + source.getString("table");
        snapshotPending.computeIfPresent(table, (t, rows) -> rows + 1);
        if ("last_in_data_collection".equals(marker)) {
            report(table);
        } else if ("last".equals(marker)) {
            report(table);
            for (String empty : List.copyOf(snapshotPending.keySet())) { // tables without rows never get a marker
                report(empty);
            }
        }
    }

    private void report(String table) throws InterruptedException {
        Long rows = snapshotPending.remove(table);
        if (rows == null) {
            return;
        }
        deleteVanished(table);
        int dot = table.indexOf('.');
        try {
            snapshotListener.tableSnapshotted(table.substring(0, dot), table.substring(dot + 1), rows);
        } catch (RuntimeException e) { // the trail is informative; capture must go on
            org.slf4j.LoggerFactory.getLogger(ChangeEventPublisher.class)
                    .warn("could not record the snapshot of {} ({} rows): {}", table, rows, e.getMessage());
        }
    }

    /** Sends one change; heartbeats and other non-row records only advance the offsets. */
    private Future<RecordMetadata> send(SourceRecord record) {
        if (!(record.value() instanceof Struct envelope) || !record.topic().startsWith(debeziumPrefix + ".")
                || envelope.schema().field("op") == null) {
            return null;
        }
        String[] parts = record.topic().substring(debeziumPrefix.length() + 1).split("\\.", 2);
        String topic = topics.source(parts[0], parts[1]);
        ConnectToAvro converter = converters.computeIfAbsent(topic, t -> new ConnectToAvro(
                "shiftlog." + topics.migration().replaceAll("[^A-Za-z0-9_]", "_") + ".src." + parts[0]));
        String op = envelope.getString("op");
        GenericRecord key = converter.record((Struct) record.key(), parts[1] + "_key");
        if ("r".equals(op)) {
            reconciler.seen(topic, key);
        }
        GenericRecord value = "d".equals(op) ? null : converter.record(envelope.getStruct("after"), parts[1]);
        RecordHeaders headers = new RecordHeaders();
        headers.add(OP_HEADER, op.getBytes(StandardCharsets.UTF_8));
        Struct source = envelope.getStruct("source");
        if (source != null && source.schema().field("lsn") != null && source.get("lsn") != null) {
            headers.add(LSN_HEADER, source.get("lsn").toString().getBytes(StandardCharsets.UTF_8));
        }
        if (source != null && source.get("ts_ms") != null) {
            headers.add(TS_HEADER, source.get("ts_ms").toString().getBytes(StandardCharsets.UTF_8));
        }
        captured.computeIfAbsent(topic, t -> new LongAdder()).increment();
        return producer.send(new ProducerRecord<>(topic, null, key, value, headers));
    }
}
