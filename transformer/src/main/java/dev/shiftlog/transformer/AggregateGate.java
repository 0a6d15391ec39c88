package dev.shiftlog.transformer;

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
 * subscriptions) and answers each subscribed parent with all its items — at once, and again after every item change —
 * on {@code <m>.aggregate-answers.<table>}, to the parent's own partition. Items travel as a JSON array of the items'
 * JSON texts; the parent sorts them.
 */
final class AggregateGate implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {
    private final TableMappingDef table;
    private final String answerChild;
    private ProcessorContext<GenericRecord, GenericRecord> context;
    /** parent key \0 aggregate \0 child key → item JSON. */
    private KeyValueStore<String, String> items;
    /** parent key \0 aggregate → "partition:version" of the parent row that subscribed. */
    private KeyValueStore<String, String> subscribers;

    AggregateGate(TableMappingDef table, String answerChild) {
        this.table = table;
        this.answerChild = answerChild;
    }

    static String itemsStoreName(TableMappingDef table) {
        return "aggregate-items-" + table.target();
    }

    static String subscribersStoreName(TableMappingDef table) {
        return "aggregate-subscribers-" + table.target();
    }

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        this.items = context.getStateStore(itemsStoreName(table));
        this.subscribers = context.getStateStore(subscribersStoreName(table));
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
            String subscriber = subscribers.get(parent + '\u0000' + aggregate);
            if (subscriber != null) {
                answer(parent, aggregate, subscriber, record.timestamp());
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
