package dev.shiftlog.transformer;

import dev.shiftlog.schemas.TransformerLayout;
import dev.shiftlog.schemas.rows.LandedRow;
import dev.shiftlog.schemas.spec.TableMappingDef;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Holds the items of a table's aggregates per parent row (its input is partitioned by the parent, like the parent's
 * subscriptions) and answers each subscribed parent with all its items — at once, and again after its items changed —
 * on {@code <m>.aggregate-answers.<table>}, to the parent's own partition. Items travel as a JSON array of the items'
 * JSON texts; the parent sorts them.
 *
 * <p>Answers after item changes are coalesced: a changed parent is marked in {@code aggregate-pending-<table>} and
 * answered once per {@link #FLUSH_EVERY}, so loading a parent with n children renders it a few times instead of n
 * (each answer carries the whole list: n answers cost O(n²)). The mark is a store entry, not a field, so a crash
 * between the change and the answer loses neither.
 */
final class AggregateGate implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {
    private final TableMappingDef table;
    private final String answerChild;
    private ProcessorContext<GenericRecord, GenericRecord> context;
    /** parent key \0 aggregate \0 child key → item JSON. */
    private KeyValueStore<String, String> items;
    /** parent key \0 aggregate → "partition:version" of the parent row that subscribed. */
    private KeyValueStore<String, String> subscribers;
    /** parent key \0 aggregate → present while its answer is due. */
    private KeyValueStore<String, String> pending;
    static final java.time.Duration FLUSH_EVERY = java.time.Duration.ofMillis(100);

    AggregateGate(TableMappingDef table, String answerChild) {
        this.table = table;
        this.answerChild = answerChild;
    }

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        this.items = context.getStateStore(TransformerLayout.aggregateItems(table));
        this.subscribers = context.getStateStore(TransformerLayout.aggregateSubscribers(table));
        this.pending = context.getStateStore(TransformerLayout.aggregatePending(table));
        context.schedule(FLUSH_EVERY, org.apache.kafka.streams.processor.PunctuationType.WALL_CLOCK_TIME, this::flush);
    }

    /** Answers every parent whose items changed since the last flush, once. */
    private void flush(long now) {
        List<String> due = new ArrayList<>();
        try (KeyValueIterator<String, String> it = pending.all()) {
            it.forEachRemaining(kv -> due.add(kv.key));
        }
        for (String key : due) {
            pending.delete(key);
            String subscriber = subscribers.get(key);
            if (subscriber != null) {
                int cut = key.indexOf('\u0000');
                answer(key.substring(0, cut), key.substring(cut + 1), subscriber, now);
            }
        }
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        if (record.value() == null) {
            return;
        }
        String parent = record.key().get("legacy_key").toString();
        GenericRecord value = record.value();
        if (value.getSchema().getFullName().equals(AggregateItemRekeyer.VALUE_SCHEMA.getFullName())) {
            String aggregate = value.get("aggregate").toString();
            String itemKey = parent + '\u0000' + aggregate + '\u0000' + value.get("child_key");
            Object item = value.get("item");
            if (item == null) {
                items.delete(itemKey);
            } else {
                items.put(itemKey, item.toString());
            }
            String key = parent + '\u0000' + aggregate;
            if (subscribers.get(key) != null && pending.get(key) == null) {
                pending.put(key, "");
            }
            return;
        }
        LookupRequest request = LookupRequest.fromAvro(value);
        String key = parent + '\u0000' + request.lookup();
        if (request.kind() == LookupRequest.Kind.UNSUBSCRIBE) {
            subscribers.delete(key);
            return;
        }
        String subscriber = request.partition() + ":" + request.version();
        subscribers.put(key, subscriber);
        pending.delete(key); // this answer carries every item so far
        answer(parent, request.lookup(), subscriber, record.timestamp());
    }

    private void answer(String parent, String aggregate, String subscriber, long timestamp) {
        List<String> all = new ArrayList<>();
        try (KeyValueIterator<String, String> it = items.prefixScan(parent + '\u0000' + aggregate + '\u0000', new StringSerializer())) {
            it.forEachRemaining(kv -> all.add(kv.value));
        }
        String json = "[" + String.join(",", all) + "]";
        String[] stored = subscriber.split(":");
        LookupAnswer answer = new LookupAnswer(aggregate, parent, Integer.parseInt(stored[0]), parent, Long.parseLong(stored[1]),
                json.getBytes(StandardCharsets.UTF_8));
        context.forward(new Record<>(LandedRow.key(table.target(), parent), answer.toAvro(), timestamp), answerChild);
    }
}
