package dev.shiftlog.transformer;

import dev.shiftlog.schemas.TransformerLayout;
import dev.shiftlog.schemas.rows.AggregateItems;
import dev.shiftlog.schemas.rows.AvroValues;
import dev.shiftlog.schemas.rows.LandedRow;
import dev.shiftlog.schemas.spec.AggregateDef;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns every change of an aggregate's child table into item changes keyed by the parent row, on
 * {@code <m>.aggregate-items.<table>}: the child's item under its parent, and its retraction (a null item) from the
 * parent it left — the subtractor of a Kafka Streams groupBy/aggregate. It remembers each child's parent in
 * {@code aggregate-members-<table>-<name>}, since a delete or a move names only the new state.
 */
final class AggregateItemRekeyer implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {
    static final Schema VALUE_SCHEMA = SchemaBuilder.record("aggregate_item").namespace("shiftlog").fields()
            .requiredString("aggregate").requiredString("child_key").optionalString("item").endRecord();

    private final String parentTable;
    private final AggregateDef aggregate;
    private final AggregateItems items;
    private final String child;
    private ProcessorContext<GenericRecord, GenericRecord> context;
    private KeyValueStore<String, String> members;

    AggregateItemRekeyer(String parentTable, AggregateDef aggregate, String child) {
        this.parentTable = parentTable;
        this.aggregate = aggregate;
        this.items = new AggregateItems(aggregate);
        this.child = child;
    }

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        this.members = context.getStateStore(TransformerLayout.aggregateMembers(parentTable, aggregate));
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        if (record.key() == null) {
            return;
        }
        String childKey = AvroValues.keyText(record.key());
        String was = members.get(childKey);
        String parent = record.value() == null ? null : items.parentKey(record.value());
        if (was != null && !was.equals(parent)) {
            send(was, childKey, null, record.timestamp());
        }
        if (parent == null) {
            members.delete(childKey);
            return;
        }
        members.put(childKey, parent);
        send(parent, childKey, items.item(record.value()), record.timestamp());
    }

    private void send(String parent, String childKey, String item, long timestamp) {
        GenericRecord value = new GenericData.Record(VALUE_SCHEMA);
        value.put("aggregate", aggregate.name());
        value.put("child_key", childKey);
        value.put("item", item);
        context.forward(new Record<>(LandedRow.key(parentTable, parent), value, timestamp), child);
    }
}
