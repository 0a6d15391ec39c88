package dev.shiftlog.transformer;

import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The {@link LookupGate}'s answer to a {@link LookupRequest}, sent on {@code <m>.lookup-answers.<table>} to the asking
 * row's own partition: the looked-up row as it is now (in the Confluent wire format, since its schema is the legacy
 * table's), or none — it does not exist after park-timeout, or was deleted.
 *
 * @param row the looked-up row serialized with the registry; null when there is none
 */
record LookupAnswer(String lookup, String childKey, int partition, String lookupKey, long version, byte[] row) {

    static final Schema SCHEMA = SchemaBuilder.record("lookup_answer").namespace("shiftlog").fields()
            .requiredString("lookup").requiredString("child_key").requiredInt("partition").requiredString("lookup_key")
            .requiredLong("version").optionalBytes("row").endRecord();

    boolean found() {
        return row != null;
    }

    GenericRecord toAvro() {
        GenericRecord r = new GenericData.Record(SCHEMA);
        r.put("lookup", lookup);
        r.put("child_key", childKey);
        r.put("partition", partition);
        r.put("lookup_key", lookupKey);
        r.put("version", version);
        r.put("row", row == null ? null : ByteBuffer.wrap(row));
        return r;
    }

    static LookupAnswer fromAvro(GenericRecord r) {
        ByteBuffer row = (ByteBuffer) r.get("row");
        byte[] bytes = null;
        if (row != null) {
            bytes = new byte[row.remaining()];
            row.duplicate().get(bytes);
        }
        return new LookupAnswer(r.get("lookup").toString(), r.get("child_key").toString(), (Integer) r.get("partition"),
                r.get("lookup_key").toString(), (Long) r.get("version"), bytes);
    }

    static boolean is(GenericRecord value) {
        return value != null && value.getSchema().getFullName().equals(SCHEMA.getFullName());
    }
}
