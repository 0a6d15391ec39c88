package dev.shiftlog.transformer;

import dev.shiftlog.schemas.rows.AvroValues;
import dev.shiftlog.schemas.rows.LandedRow;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Re-keys every change of a looked-up legacy table onto {@code <m>.lookup-rows} by ({@code schema.table}, key text),
 * the key the rows' {@link LookupRequest}s carry, so both meet in one {@link LookupGate} task. The row travels as
 * bytes in the registry's wire format under its own source topic's subject: the lookup-rows topic holds rows of
 * many tables, which one value subject could not describe.
 */
final class LookupRowRekeyer implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {
    static final Schema VALUE_SCHEMA = SchemaBuilder.record("lookup_row").namespace("shiftlog").fields()
            .requiredBytes("row").endRecord();

    private final String table;
    private final String sourceTopic;
    private final Serializer<GenericRecord> rowSerializer;
    private final String child;
    private ProcessorContext<GenericRecord, GenericRecord> context;

    /** @param table the looked-up table as {@code schema.table} */
    LookupRowRekeyer(String table, String sourceTopic, Serializer<GenericRecord> rowSerializer, String child) {
        this.table = table;
        this.sourceTopic = sourceTopic;
        this.rowSerializer = rowSerializer;
        this.child = child;
    }

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        if (record.key() == null) {
            return;
        }
        GenericRecord value = null;
        if (record.value() != null) {
            value = new GenericData.Record(VALUE_SCHEMA);
            value.put("row", ByteBuffer.wrap(rowSerializer.serialize(sourceTopic, record.value())));
        }
        context.forward(new Record<>(LandedRow.key(table, AvroValues.keyText(record.key())), value, record.timestamp()), child);
    }

    static byte[] rowBytes(GenericRecord wrapper) {
        ByteBuffer row = (ByteBuffer) wrapper.get("row");
        byte[] bytes = new byte[row.remaining()];
        row.duplicate().get(bytes);
        return bytes;
    }
}
