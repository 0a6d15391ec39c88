package dev.shiftlog.transformer;

import dev.shiftlog.schemas.TransformerLayout;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Remembers every row the sink announced on {@code <m>.landed} (its new id) and passes the landing on to the gates. */
final class LandedRecorder implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {
    private ProcessorContext<GenericRecord, GenericRecord> context;
    private KeyValueStore<String, String> landed;

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        this.landed = context.getStateStore(TransformerLayout.LANDED_IDS);
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        if (record.value() == null) {
            return;
        }
        remember(landed, record.value());
        context.forward(record);
    }

    private static void remember(KeyValueStore<String, String> store, GenericRecord landing) {
        store.put(ParkingGate.landedKey(landing.get("table").toString(), landing.get("legacy_key").toString()), landing.get("id").toString());
    }

    /** Keeps {@code <m>.landed-ids} in the global {@link TransformerLayout#LANDED_EVERYWHERE} store of every instance. */
    static final class Everywhere implements Processor<GenericRecord, GenericRecord, Void, Void> {
        private KeyValueStore<String, String> landed;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            this.landed = context.getStateStore(TransformerLayout.LANDED_EVERYWHERE);
        }

        @Override
        public void process(Record<GenericRecord, GenericRecord> record) {
            if (record.value() != null) {
                remember(landed, record.value());
            }
        }
    }
}
