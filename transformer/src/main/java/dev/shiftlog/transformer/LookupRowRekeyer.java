package dev.shiftlog.transformer;

import dev.shiftlog.schemas.TransformerLayout;
import dev.shiftlog.schemas.rows.AvroValues;
import dev.shiftlog.schemas.rows.LandedRow;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Re-keys every change of a looked-up legacy table onto {@code <m>.lookup-rows} by ({@code rows name}, key text),
 * the key the rows' {@link LookupRequest}s carry, so both meet in one {@link LookupGate} task. The row travels as
 * bytes in the registry's wire format under its own source topic's subject: the lookup-rows topic holds rows of
 * many tables, which one value subject could not describe.
 *
 * <p>A table looked up {@code by} other columns than its key is keyed by those columns' values instead, and each
 * record names its {@code member} (the row's legacy key), since several rows may share a value. Such a row whose
 * matched value changes is retracted from the old value (a record with no row); the previous value of each row is
 * kept in {@code lookup-members-<rows name>}, since an update names only the new state.
 */
final class LookupRowRekeyer implements Processor<GenericRecord, GenericRecord, GenericRecord, GenericRecord> {
    static final Schema VALUE_SCHEMA = SchemaBuilder.record("lookup_row").namespace("shiftlog").fields()
            .optionalBytes("row").optionalString("member").endRecord();

    private final String rowsName;
    private final String sourceTopic;
    private final List<String> by;
    private final Serializer<GenericRecord> rowSerializer;
    private final String child;
    private ProcessorContext<GenericRecord, GenericRecord> context;
    private KeyValueStore<String, String> members;

    /**
     * @param rowsName the looked-up rows' name ({@link dev.shiftlog.schemas.spec.LookupDef#rowsName})
     * @param by       the columns rows are matched by; empty for the primary key
     */
    LookupRowRekeyer(String rowsName, List<String> by, String sourceTopic, Serializer<GenericRecord> rowSerializer, String child) {
        this.rowsName = rowsName;
        this.by = List.copyOf(by);
        this.sourceTopic = sourceTopic;
        this.rowSerializer = rowSerializer;
        this.child = child;
    }

    @Override
    public void init(ProcessorContext<GenericRecord, GenericRecord> context) {
        this.context = context;
        if (!by.isEmpty()) {
            this.members = context.getStateStore(TransformerLayout.lookupMembers(rowsName));
        }
    }

    @Override
    public void process(Record<GenericRecord, GenericRecord> record) {
        if (record.key() == null) {
            return;
        }
        String legacyKey = AvroValues.keyText(record.key());
        if (by.isEmpty()) {
            GenericRecord value = record.value() == null ? null : wrap(record.value(), null);
            context.forward(new Record<>(LandedRow.key(rowsName, legacyKey), value, record.timestamp()), child);
            return;
        }
        String was = members.get(legacyKey);
        String matched = record.value() == null ? null : AvroValues.columnsText(record.value(), by);
        if (was != null && !was.equals(matched)) {
            context.forward(new Record<>(LandedRow.key(rowsName, was), wrap(null, legacyKey), record.timestamp()), child);
        }
        if (matched == null) {
            members.delete(legacyKey);
            return;
        }
        members.put(legacyKey, matched);
        context.forward(new Record<>(LandedRow.key(rowsName, matched), wrap(record.value(), legacyKey), record.timestamp()), child);
    }

    private GenericRecord wrap(GenericRecord row, String member) {
        GenericRecord value = new GenericData.Record(VALUE_SCHEMA);
        value.put("row", row == null ? null : ByteBuffer.wrap(rowSerializer.serialize(sourceTopic, row)));
        value.put("member", member);
        return value;
    }

    /** The looked-up row's bytes, or null for a member's retraction. */
    static byte[] rowBytes(GenericRecord wrapper) {
        ByteBuffer row = (ByteBuffer) wrapper.get("row");
        if (row == null) {
            return null;
        }
        byte[] bytes = new byte[row.remaining()];
        row.duplicate().get(bytes);
        return bytes;
    }

    /** The legacy key of the row a record of a table looked up {@code by} columns is about; null for primary-key lookups. */
    static String member(GenericRecord wrapper) {
        Object member = wrapper.getSchema().getField("member") == null ? null : wrapper.get("member");
        return member == null ? null : member.toString();
    }
}
