package dev.shiftlog.transformer;

import dev.shiftlog.schemas.rows.LandedRow;
import dev.shiftlog.schemas.rows.ParkedKeys;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Tells a child's task when the row it references has landed, so the target never sees a dangling foreign key.
 *
 * <p>Its input is partitioned by the referenced row ({@code table}, {@code legacy_key}), like {@code <m>.landed}, so a
 * child's {@link ParentRequest} and the landing it waits for meet in the same task. It answers at once when the
 * parent has landed, else keeps the request in {@code waiting-<table>} and answers when the landing arrives (trees
 * therefore land top-down). The gate never writes a target row itself: only the child's task does, after checking
 * that the answer is for the child's current version — two tasks writing one output key could not keep a
 * re-parented row's versions in order. A request expires only when it has waited {@code park-timeout} AND no row of
 * the referenced table has landed in this task for that long, so a slow initial load is not mistaken for a missing
 * parent; what expires is missing (an orphan) or waits itself (a cycle).
 */
final class ParkingGate implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {
    static final String LANDED_STORE = "landed-ids";

    private final TableMappingDef table;
    private final String parentTable;
    private final String answerChild;
    private ProcessorContext<GenericRecord, GenericRecord> context;
    private KeyValueStore<String, String> landed;
    /** parent key \0 child key (+ {@link ParkedKeys#LANDED_WITH_NULL}) → "partition:version", stamped when asked. */
    private TimestampedKeyValueStore<String, String> waiting;
    /** Wall-clock time of the last landing of a referenced row seen here; kept in memory, a restart only delays expiry. */
    private long lastLanding;

    ParkingGate(TableMappingDef table, String answerChild) {
        this.table = table;
        this.parentTable = table.reference().ref();
        this.answerChild = answerChild;
    }

    static String waitingStoreName(TableMappingDef table) {
        return "waiting-" + table.target();
    }

    /** Key of the landed-ids store. */
    static String landedKey(String table, String legacyKey) {
        return table + '\u0000' + legacyKey;
    }

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        this.landed = context.getStateStore(LANDED_STORE);
        this.waiting = context.getStateStore(waitingStoreName(table));
        this.lastLanding = context.currentSystemTimeMs();
        long every = Math.max(200, Math.min(10_000, table.parkTimeout().toMillis() / 5));
        context.schedule(Duration.ofMillis(every), PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        GenericRecord value = record.value();
        if (value == null) {
            return;
        }
        String parentKey = record.key().get("legacy_key").toString();
        if (value.getSchema().getFullName().equals(LandedRow.VALUE_SCHEMA.getFullName())) {
            if (parentTable.equals(record.key().get("table").toString())) {
                lastLanding = context.currentSystemTimeMs();
                answerWaiting(parentKey, value.get("id").toString(), record.timestamp());
            }
            return;
        }
        ParentRequest request = ParentRequest.fromAvro(value);
        String key = waitingKey(parentKey, request.childKey());
        waiting.delete(key);
        waiting.delete(key + ParkedKeys.LANDED_WITH_NULL);
        if (request.kind() == ParentRequest.Kind.UNSUBSCRIBE) {
            return;
        }
        String id = landed.get(landedKey(parentTable, parentKey));
        if (id != null) {
            answer(new ParentAnswer(request.childKey(), request.partition(), parentKey, request.version(), id, 0), record.timestamp());
        } else {
            String form = request.kind() == ParentRequest.Kind.SUBSCRIBE_LANDED_NULL ? key + ParkedKeys.LANDED_WITH_NULL : key;
            waiting.put(form, ValueAndTimestamp.make(request.partition() + ":" + request.version(), context.currentSystemTimeMs()));
        }
    }

    private void answerWaiting(String parentKey, String id, long timestamp) {
        List<KeyValue<String, ValueAndTimestamp<String>>> asked = new ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<String>> it = waiting.prefixScan(parentKey + '\u0000', new StringSerializer())) {
            it.forEachRemaining(asked::add);
        }
        long now = context.currentSystemTimeMs();
        for (KeyValue<String, ValueAndTimestamp<String>> entry : asked) {
            waiting.delete(entry.key);
            answer(answerFor(entry, id, now), timestamp);
        }
    }

    /** Answers requests that waited longer than the table's park-timeout while no parent landed: "not landed". */
    private void expire(long now) {
        long deadline = now - table.parkTimeout().toMillis();
        if (lastLanding > deadline) {
            return;
        }
        List<KeyValue<String, ValueAndTimestamp<String>>> expired = new ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<String>> it = waiting.all()) {
            it.forEachRemaining(kv -> {
                if (kv.value.timestamp() <= deadline && !ParkedKeys.landedWithNull(kv.key)) {
                    expired.add(kv);
                }
            });
        }
        for (KeyValue<String, ValueAndTimestamp<String>> kv : expired) {
            waiting.delete(kv.key);
            if (table.landNullThenPatch()) {
                // the child lands with the reference NULL; keep listening (never to expire again) to patch it
                waiting.put(kv.key + ParkedKeys.LANDED_WITH_NULL, ValueAndTimestamp.make(kv.value.value(), now));
            }
            answer(answerFor(kv, null, now), now);
        }
    }

    private static ParentAnswer answerFor(KeyValue<String, ValueAndTimestamp<String>> entry, String parentId, long now) {
        String key = ParkedKeys.landedWithNull(entry.key) ? entry.key.substring(0, entry.key.length() - 1) : entry.key;
        int split = key.indexOf('\u0000');
        String stored = entry.value.value();
        int colon = stored.indexOf(':');
        return new ParentAnswer(key.substring(split + 1), Integer.parseInt(stored.substring(0, colon)), key.substring(0, split),
                Long.parseLong(stored.substring(colon + 1)), parentId, now - entry.value.timestamp());
    }

    private void answer(ParentAnswer answer, long timestamp) {
        context.forward(new Record<>(LandedRow.key(table.target(), answer.childKey()), answer.toAvro(), timestamp), answerChild);
    }

    /** Parent key first: a landing finds everything that waits for it with one prefix scan. */
    private static String waitingKey(String parentKey, String childKey) {
        return parentKey + '\u0000' + childKey;
    }
}
