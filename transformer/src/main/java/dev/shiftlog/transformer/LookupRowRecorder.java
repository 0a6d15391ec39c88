package dev.shiftlog.transformer;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Keeps the latest version of every looked-up legacy row from {@code <m>.lookup-rows} and passes each change on to the lookup gates. */
final class LookupRowRecorder implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {
    private ProcessorContext<GenericRecord, GenericRecord> context;
    private KeyValueStore<String, byte[]> rows;

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        this.rows = context.getStateStore(LookupGate.ROWS_STORE);
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        String key = ParkingGate.landedKey(record.key().get("table").toString(), record.key().get("legacy_key").toString());
        if (record.value() == null) {
            rows.delete(key);
        } else {
            rows.put(key, LookupRowRekeyer.rowBytes(record.value()));
        }
        context.forward(record);
    }
}
