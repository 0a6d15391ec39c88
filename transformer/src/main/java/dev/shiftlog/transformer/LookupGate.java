package dev.shiftlog.transformer;

import dev.shiftlog.schemas.TransformerLayout;
import dev.shiftlog.schemas.rows.LandedRow;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * The looked-up side of a table's lookups, as the right side of a Kafka Streams foreign-key join (KIP-213): its
 * input is partitioned by the looked-up row, so a row's {@link LookupRequest} and every change of the row it looks up
 * meet in one task. A subscription stays until withdrawn: the gate answers with the row at once when it is known,
 * and again after every change or delete of it, so target rows that used it are rendered again. A row asked for but
 * never seen is answered "none" only after the table's {@code park-timeout} with no row of that legacy table
 * arriving meanwhile — an initial load delivers lookup tables and their users in any order.
 */
final class LookupGate implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {

    private final TableMappingDef table;
    private final Set<String> lookedUp;
    /** The rows names of tables looked up {@code by} columns: several rows may share a key there. */
    private final Set<String> matchedByColumns;
    private final String answerChild;
    private ProcessorContext<GenericRecord, GenericRecord> context;
    private KeyValueStore<String, byte[]> rows;
    /** table \0 key \0 lookup \0 child → "partition:version:answered", stamped when asked. */
    private TimestampedKeyValueStore<String, String> subscribers;
    private final Map<String, Long> lastRow = new HashMap<>();
    private long started;

    /**
     * @param lookedUp         the rows names ({@link dev.shiftlog.schemas.spec.LookupDef#rowsName}) this table's lookups read
     * @param matchedByColumns those of them matched by other columns than the primary key
     */
    LookupGate(TableMappingDef table, Set<String> lookedUp, Set<String> matchedByColumns, String answerChild) {
        this.table = table;
        this.lookedUp = Set.copyOf(lookedUp);
        this.matchedByColumns = Set.copyOf(matchedByColumns);
        this.answerChild = answerChild;
    }

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        this.rows = context.getStateStore(TransformerLayout.LOOKUP_ROWS);
        this.subscribers = context.getStateStore(TransformerLayout.lookupSubscribers(table));
        this.started = context.currentSystemTimeMs();
        long every = Math.max(200, Math.min(10_000, table.parkTimeout().toMillis() / 5));
        context.schedule(Duration.ofMillis(every), PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        String lookedUpTable = record.key().get("table").toString();
        String key = record.key().get("legacy_key").toString();
        String rowKey = ParkingGate.landedKey(lookedUpTable, key);
        GenericRecord value = record.value();
        if (value == null || value.getSchema().getFullName().equals(LookupRowRekeyer.VALUE_SCHEMA.getFullName())) {
            if (!lookedUp.contains(lookedUpTable)) {
                return;
            }
            lastRow.put(lookedUpTable, context.currentSystemTimeMs());
            byte[] row = current(lookedUpTable, rowKey);
            // a change: every row that looks this one up is answered again
            List<KeyValue<String, ValueAndTimestamp<String>>> asked = new ArrayList<>();
            try (KeyValueIterator<String, ValueAndTimestamp<String>> it = subscribers.prefixScan(rowKey + '\u0000', new StringSerializer())) {
                it.forEachRemaining(asked::add);
            }
            for (KeyValue<String, ValueAndTimestamp<String>> s : asked) {
                answer(s.key, s.value, row, record.timestamp());
            }
            return;
        }
        LookupRequest request = LookupRequest.fromAvro(value);
        String subscriber = rowKey + '\u0000' + request.lookup() + '\u0000' + request.childKey();
        if (request.kind() == LookupRequest.Kind.UNSUBSCRIBE) {
            subscribers.delete(subscriber);
            return;
        }
        byte[] row = current(lookedUpTable, rowKey);
        ValueAndTimestamp<String> entry = ValueAndTimestamp.make(request.partition() + ":" + request.version() + ":0",
                context.currentSystemTimeMs());
        subscribers.put(subscriber, entry);
        if (row != null) {
            answer(subscriber, entry, row, record.timestamp());
        }
    }

    /**
     * The row a key finds now: for a table matched by columns, of the rows sharing the value the one whose legacy key
     * sorts first (the store's order), so the answer does not depend on the order the rows arrived in.
     */
    private byte[] current(String lookedUpTable, String rowKey) {
        if (!matchedByColumns.contains(lookedUpTable)) {
            return rows.get(rowKey);
        }
        try (KeyValueIterator<String, byte[]> it = rows.prefixScan(rowKey + '\u0000', new StringSerializer())) {
            return it.hasNext() ? it.next().value : null;
        }
    }

    /** Answers "none" to subscriptions that waited park-timeout for a row no longer arriving. */
    private void expire(long now) {
        long deadline = now - table.parkTimeout().toMillis();
        List<KeyValue<String, ValueAndTimestamp<String>>> expired = new ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<String>> it = subscribers.all()) {
            it.forEachRemaining(kv -> {
                String lookedUpTable = kv.key.substring(0, kv.key.indexOf('\u0000'));
                if (kv.value.value().endsWith(":0") && kv.value.timestamp() <= deadline
                        && lastRow.getOrDefault(lookedUpTable, started) <= deadline) {
                    expired.add(kv);
                }
            });
        }
        for (KeyValue<String, ValueAndTimestamp<String>> kv : expired) {
            answer(kv.key, kv.value, null, now);
        }
    }

    private void answer(String subscriber, ValueAndTimestamp<String> entry, byte[] row, long timestamp) {
        String[] parts = subscriber.split("\u0000", 4);
        String[] stored = entry.value().split(":");
        subscribers.put(subscriber, ValueAndTimestamp.make(stored[0] + ":" + stored[1] + ":1", entry.timestamp()));
        LookupAnswer answer = new LookupAnswer(parts[2], parts[3], Integer.parseInt(stored[0]), parts[1], Long.parseLong(stored[1]), row);
        context.forward(new Record<>(LandedRow.key(table.target(), answer.childKey()), answer.toAvro(), timestamp), answerChild);
    }
}
