package dev.shiftlog.transformer;

import dev.shiftlog.schemas.TransformerLayout;
import dev.shiftlog.schemas.rows.LandedRow;
import dev.shiftlog.schemas.rows.ParkedKeys;
import dev.shiftlog.schemas.spec.ColumnDef;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * Tells a child's task when the rows it references have landed, so the target never sees a dangling foreign key.
 *
 * <p>One gate per child table serves all its reference columns. Its input is partitioned by the referenced row
 * ({@code table}, {@code legacy_key}), like {@code <m>.landed}, so a child's {@link ParentRequest} and the landing
 * it waits for meet in the same task. It answers at once when the parent has landed, else keeps the request in
 * {@code waiting-<table>} and answers when the landing arrives (trees therefore land top-down). The gate never writes
 * a target row itself: only the child's task does, after checking that the answer is for the child's current
 * version — two tasks writing one output key could not keep a re-parented row's versions in order. A request
 * expires only when it has waited its reference's {@code park-timeout} AND no row of the referenced table has
 * landed in this task for that long, so a slow initial load is not mistaken for a missing parent; what expires is
 * missing (an orphan) or waits itself (a cycle).
 */
final class ParkingGate implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {

    private final TableMappingDef table;
    private final Map<String, ColumnDef> referenceByColumn = new HashMap<>();
    private final java.util.Set<String> parentTables = new java.util.HashSet<>();
    private final String answerChild;
    private ProcessorContext<GenericRecord, GenericRecord> context;
    private KeyValueStore<String, String> landed;
    /**
     * parent table \0 parent key \0 column \0 child key (+ {@link ParkedKeys#LANDED_WITH_NULL}) → "partition:version",
     * stamped when asked.
     */
    private TimestampedKeyValueStore<String, String> waiting;
    /** Parent table → wall-clock time of its last landing seen here; in memory, a restart only delays expiry. */
    private final Map<String, Long> lastLanding = new HashMap<>();
    private long started;

    ParkingGate(TableMappingDef table, String answerChild) {
        this.table = table;
        table.references().forEach(c -> {
            referenceByColumn.put(c.target(), c);
            parentTables.add(c.ref());
        });
        this.answerChild = answerChild;
    }

    /** Key of the landed-ids store. */
    static String landedKey(String table, String legacyKey) {
        return table + '\u0000' + legacyKey;
    }

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        this.landed = context.getStateStore(TransformerLayout.LANDED_IDS);
        this.waiting = context.getStateStore(TransformerLayout.waiting(table));
        this.started = context.currentSystemTimeMs();
        long shortest = referenceByColumn.values().stream().mapToLong(c -> c.reference().parkTimeout().toMillis()).min().orElse(60_000);
        context.schedule(Duration.ofMillis(Math.max(200, Math.min(10_000, shortest / 5))), PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        GenericRecord value = record.value();
        if (value == null) {
            return;
        }
        String parentTable = record.key().get("table").toString();
        String parentKey = record.key().get("legacy_key").toString();
        if (value.getSchema().getFullName().equals(LandedRow.VALUE_SCHEMA.getFullName())) {
            if (!parentTables.contains(parentTable)) {
                return; // every landing passes every gate: a prefix scan only where someone may wait
            }
            lastLanding.put(parentTable, context.currentSystemTimeMs());
            answerWaiting(parentTable, parentKey, value.get("id").toString(), record.timestamp());
            return;
        }
        ParentRequest request = ParentRequest.fromAvro(value);
        String key = waitingKey(parentTable, parentKey, request.column(), request.childKey());
        waiting.delete(key);
        waiting.delete(key + ParkedKeys.LANDED_WITH_NULL);
        if (request.kind() == ParentRequest.Kind.UNSUBSCRIBE) {
            return;
        }
        String id = landed.get(landedKey(parentTable, parentKey));
        if (id != null) {
            answer(new ParentAnswer(request.column(), request.childKey(), request.partition(), parentKey, request.version(), id, 0),
                    record.timestamp());
        } else {
            String form = request.kind() == ParentRequest.Kind.SUBSCRIBE_LANDED_NULL ? key + ParkedKeys.LANDED_WITH_NULL : key;
            waiting.put(form, ValueAndTimestamp.make(request.partition() + ":" + request.version(), context.currentSystemTimeMs()));
        }
    }

    private void answerWaiting(String parentTable, String parentKey, String id, long timestamp) {
        List<KeyValue<String, ValueAndTimestamp<String>>> asked = new ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<String>> it = waiting.prefixScan(landedKey(parentTable, parentKey) + '\u0000',
                new StringSerializer())) {
            it.forEachRemaining(asked::add);
        }
        long now = context.currentSystemTimeMs();
        for (KeyValue<String, ValueAndTimestamp<String>> entry : asked) {
            waiting.delete(entry.key);
            answer(answerFor(entry, id, now), timestamp);
        }
    }

    /** Answers requests that waited longer than their reference's park-timeout while no parent landed: "not landed". */
    private void expire(long now) {
        List<KeyValue<String, ValueAndTimestamp<String>>> expired = new ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<String>> it = waiting.all()) {
            it.forEachRemaining(kv -> {
                if (ParkedKeys.landedWithNull(kv.key)) {
                    return;
                }
                WaitingKey w = WaitingKey.parse(kv.key);
                ColumnDef reference = referenceByColumn.get(w.column());
                long timeout = reference == null ? 0 : reference.reference().parkTimeout().toMillis();
                long deadline = now - timeout;
                if (kv.value.timestamp() <= deadline && lastLanding.getOrDefault(w.parentTable(), started) <= deadline) {
                    expired.add(kv);
                }
            });
        }
        for (KeyValue<String, ValueAndTimestamp<String>> kv : expired) {
            waiting.delete(kv.key);
            ColumnDef reference = referenceByColumn.get(WaitingKey.parse(kv.key).column());
            if (reference != null && reference.reference().landNullThenPatch()) {
                // the child lands with the reference NULL; keep listening (never to expire again) to patch it
                waiting.put(kv.key + ParkedKeys.LANDED_WITH_NULL, ValueAndTimestamp.make(kv.value.value(), now));
            }
            answer(answerFor(kv, null, now), now);
        }
    }

    /** The parts of a {@code waiting-} key. */
    private record WaitingKey(String parentTable, String parentKey, String column, String childKey) {
        static WaitingKey parse(String key) {
            String bare = ParkedKeys.landedWithNull(key) ? key.substring(0, key.length() - 1) : key;
            String[] parts = bare.split("\u0000", 4);
            return new WaitingKey(parts[0], parts[1], parts[2], parts[3]);
        }
    }

    private static ParentAnswer answerFor(KeyValue<String, ValueAndTimestamp<String>> entry, String parentId, long now) {
        WaitingKey w = WaitingKey.parse(entry.key);
        String stored = entry.value.value();
        int colon = stored.indexOf(':');
        return new ParentAnswer(w.column(), w.childKey(), Integer.parseInt(stored.substring(0, colon)), w.parentKey(),
                Long.parseLong(stored.substring(colon + 1)), parentId, now - entry.value.timestamp());
    }

    private void answer(ParentAnswer answer, long timestamp) {
        context.forward(new Record<>(LandedRow.key(table.target(), answer.childKey()), answer.toAvro(), timestamp), answerChild);
    }

    /** Parent first: a landing finds everything that waits for it with one prefix scan. */
    private static String waitingKey(String parentTable, String parentKey, String column, String childKey) {
        return landedKey(parentTable, parentKey) + '\u0000' + column + '\u0000' + childKey;
    }
}
