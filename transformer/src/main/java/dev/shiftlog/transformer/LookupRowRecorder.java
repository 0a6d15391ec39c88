package dev.shiftlog.transformer;

import dev.shiftlog.schemas.TransformerLayout;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the latest version of every looked-up legacy row from {@code <m>.lookup-rows} and passes each change on to the
 * lookup gates: under {@code rows name \0 key}, or for a table looked up {@code by} columns under
 * {@code rows name \0 matched value \0 member}, so {@link LookupGate} finds every row that shares a value.
 */
final class LookupRowRecorder implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {
    private ProcessorContext<GenericRecord, GenericRecord> context;
    private KeyValueStore<String, byte[]> rows;

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        this.rows = context.getStateStore(TransformerLayout.LOOKUP_ROWS);
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        String key = ParkingGate.landedKey(record.key().get("table").toString(), record.key().get("legacy_key").toString());
        String member = record.value() == null ? null : LookupRowRekeyer.member(record.value());
        if (member != null) {
            key = key + '\u0000' + member;
        }
        byte[] row = record.value() == null ? null : LookupRowRekeyer.rowBytes(record.value());
        if (row == null) {
            rows.delete(key);
        } else {
            rows.put(key, row);
        }
        context.forward(record);
    }
}
